-- Every event reads the whole document and writes it back whole. As json it is stored as the text it is
-- (jsonb would parse it on every write and print it on every read), and uncompressed out-of-line storage
-- spares compressing it on every write. Queries into it are rare (a lost node's actors); json serves them.
ALTER TABLE project_deployments ALTER COLUMN state TYPE json USING state::json;
ALTER TABLE project_deployments ALTER COLUMN state SET STORAGE EXTERNAL;

-- The document as text: json validates (parses) it on every write, and that was a seventh of PostgreSQL's CPU under
-- bench-saga (perf: json_in, json_lex), for a document the saga host's own serializer wrote and reads back as text.
-- Only the rare queries across deployments (a lost node's actors, retired actors, the listing) look inside it; they
-- cast it. Its storage stays as 0006 made it: lz4, inline.
ALTER TABLE project_deployments ALTER COLUMN state TYPE text USING state::text;
ALTER TABLE project_deployments ALTER COLUMN state SET STORAGE MAIN;
ALTER TABLE project_deployments ALTER COLUMN state SET COMPRESSION lz4;

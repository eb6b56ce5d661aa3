-- Supersedes 0003's and 0004's storage of the document: uncompressed, inline (toast_tuple_target 8160), at about
-- 7 KB with 11 actors. One row filled a page, so every write put a page's worth in the WAL and left a dead page
-- behind (bench-saga: 1,400 projects took 372 MB, and PostgreSQL 0.7 of a core for 2,000 events/s). lz4 makes the
-- document about 1.7 KB in a few microseconds, and compressed it stays in the row (MAIN: out of line only as a last
-- resort); the saga host reads it from its own memory, not from here. Room left on each page lets an update go in
-- place (a HOT update) when no indexed column changed.
ALTER TABLE project_deployments ALTER COLUMN state SET COMPRESSION lz4;
ALTER TABLE project_deployments ALTER COLUMN state SET STORAGE MAIN;
ALTER TABLE project_deployments RESET (toast_tuple_target);
ALTER TABLE project_deployments SET (fillfactor = 70);

-- The earliest open deadline of a deployment (readiness, or an actor's start), kept beside the state so
-- the deadline watcher finds due projects with an index instead of reading every document.
ALTER TABLE project_deployments ADD COLUMN next_deadline timestamptz;
CREATE INDEX project_deployments_next_deadline ON project_deployments (next_deadline) WHERE next_deadline IS NOT NULL;

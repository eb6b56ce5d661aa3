-- One row per project: the saga instance as a JSON document, with the columns operators and queries need
-- beside it. version is the optimistic-concurrency token: an update names the version it read.
CREATE TABLE project_deployments (
    correlation_id uuid PRIMARY KEY,
    current_state  text        NOT NULL,
    customer_id    text        NOT NULL,
    version        integer     NOT NULL,
    state          jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX project_deployments_current_state ON project_deployments (current_state);

-- The timeline leaves the document for a table of its own: an event appends one row instead of rewriting a
-- document that grows with every event. What stays in the document fits in the row (under 8 kB), so it is kept
-- inline rather than in TOAST chunks rewritten on every update.
CREATE TABLE project_events (
    id             bigserial   PRIMARY KEY,
    correlation_id uuid        NOT NULL,
    at             timestamptz NOT NULL,
    event          text        NOT NULL,
    actor_id       uuid,
    detail         text
);
CREATE INDEX project_events_correlation_id ON project_events (correlation_id, id);

INSERT INTO project_events (correlation_id, at, event, actor_id, detail)
SELECT d.correlation_id, (t.e->>'at')::timestamptz, t.e->>'event', (t.e->>'actorId')::uuid, t.e->>'detail'
  FROM project_deployments d, json_array_elements(d.state->'timeline') WITH ORDINALITY AS t(e, n)
 ORDER BY d.correlation_id, t.n;
UPDATE project_deployments SET state = (state::jsonb - 'timeline')::json WHERE state::jsonb ? 'timeline';

ALTER TABLE project_deployments SET (toast_tuple_target = 8160);

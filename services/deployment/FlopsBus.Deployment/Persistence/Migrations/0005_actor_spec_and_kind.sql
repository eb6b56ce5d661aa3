-- One actor, one shape: each actor's spec (role, instance, image, ...) moves into "actor", fields nothing read go,
-- and a deployment says its kind instead of leaving it to be inferred from its actors' roles.
UPDATE project_deployments d
   SET state = (
       SELECT jsonb_set(
                  jsonb_set(d.state::jsonb, '{actors}', coalesce(jsonb_agg(
                      (e.a - 'role' - 'instance' - 'image' - 'endpoint' - 'containerId' - 'samples')
                      || CASE WHEN coalesce(e.a->>'role', '') <> '' THEN jsonb_build_object('actor', jsonb_build_object(
                             'projectId', d.correlation_id, 'customerId', d.customer_id, 'actorId', e.a->'actorId',
                             'role', e.a->'role', 'instance', coalesce(e.a->'instance', '0'::jsonb), 'image', coalesce(e.a->'image', '""'::jsonb)))
                         ELSE '{}'::jsonb END
                      ORDER BY e.n), '[]'::jsonb)),
                  '{kind}',
                  to_jsonb(CASE WHEN bool_or(e.a->>'role' = 'tracking-server') THEN 'observatory' ELSE 'project' END))::json
         FROM jsonb_array_elements(d.state::jsonb->'actors') WITH ORDINALITY AS e(a, n))
 WHERE NOT (d.state::jsonb ? 'kind');

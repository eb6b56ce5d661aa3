-- Each deployment's actors by status, beside its document and written with it ({"CONNECTED": 10, "RUNNING": 1}), so the
-- actor gauge sums a small column in SQL instead of reading every live document every interval (at 4,000 ready
-- projects, some 28 MB of JSON read and parsed every 15 s by every saga host). The status is the saga's to judge
-- (ActorProgress.Status), so rows written before this column have none: the gauge reads their documents until their
-- next write.
ALTER TABLE project_deployments ADD COLUMN actor_counts json;

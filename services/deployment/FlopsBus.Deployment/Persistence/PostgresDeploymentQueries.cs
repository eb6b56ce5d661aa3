using Dapper;
using FlopsBus.Contracts;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>The queries across deployments, in SQL over the saga's table and its JSON documents (stored as text, cast where read).</summary>
public sealed class PostgresDeploymentQueries(NpgsqlDataSource dataSource) : IDeploymentQueries
{
    public async Task<IReadOnlyList<(Guid ProjectId, Guid ActorId)>> ActorsOnNode(string nodeId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<(Guid, Guid)>(new CommandDefinition(
            """
            SELECT d.correlation_id, (a->>'actorId')::uuid
              FROM project_deployments d, json_array_elements(d.state::json->'actors') a
             WHERE d.current_state = ANY(@states)
               AND a->>'nodeId' = @nodeId
               AND a->>'removedAt' IS NULL
               AND a->>'lostAt' IS NULL
            """,
            new { nodeId, states = DeploymentStates.HoldingActors }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<IReadOnlyList<Guid>> PassedDeadlines(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT correlation_id FROM project_deployments WHERE next_deadline <= @now", new { now }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<IReadOnlyList<Guid>> Retired(IReadOnlyCollection<ActorSpec> actors, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT (a->>'actorId')::uuid
              FROM project_deployments d, json_array_elements(d.state::json->'actors') a
             WHERE d.correlation_id = ANY(@projectIds)
               AND (a->>'actorId')::uuid = ANY(@actorIds)
               AND (d.current_state = ANY(@over) OR (a->>'retired')::boolean OR a->>'removedAt' IS NOT NULL)
            """,
            new
            {
                projectIds = actors.Select(a => a.ProjectId).Distinct().ToArray(),
                actorIds = actors.Select(a => a.ActorId).ToArray(),
                over = DeploymentStates.Over,
            }, cancellationToken: cancellationToken))).AsList();
    }

    private sealed record Row(Guid ProjectId, string Kind, string CustomerId, string State, int Actors, DateTime SubmittedAt, DateTime UpdatedAt);

    public async Task<IReadOnlyList<ProjectSummary>> List(string? customerId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT correlation_id AS ProjectId, coalesce(state::json->>'kind', @project) AS Kind, customer_id AS CustomerId, current_state AS State,
                   json_array_length(state::json->'actors') AS Actors, created_at AS SubmittedAt, updated_at AS UpdatedAt
              FROM project_deployments
             WHERE @customerId::text IS NULL OR customer_id = @customerId
             ORDER BY updated_at DESC
             LIMIT @limit
            """,
            new { project = DeploymentKinds.Project, customerId, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new ProjectSummary
        {
            ProjectId = r.ProjectId, Kind = r.Kind, CustomerId = r.CustomerId, Status = ProjectStatusView.StatusWord(r.State), Actors = r.Actors,
            SubmittedAt = new DateTimeOffset(r.SubmittedAt, TimeSpan.Zero), UpdatedAt = new DateTimeOffset(r.UpdatedAt, TimeSpan.Zero),
        }).ToList();
    }

    /// <summary>
    /// Sums the counts each write stores beside its document. A row written before there were counts is judged from its
    /// document (the status is the saga's to say, not SQL's) until its next write.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> ActorsByStatus(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var states = DeploymentStates.UnderWayOrReady;
        var summed = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            """
            SELECT c.key, sum(c.value::int)
              FROM project_deployments d, json_each_text(d.actor_counts) c
             WHERE d.current_state = ANY(@states)
             GROUP BY c.key
            """,
            new { states }, cancellationToken: cancellationToken));
        var uncounted = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT state FROM project_deployments WHERE current_state = ANY(@states) AND actor_counts IS NULL",
            new { states }, cancellationToken: cancellationToken));
        return summed.Select(s => new KeyValuePair<string, int>(s.Status, (int)s.Count))
            .Concat(ProjectStatusView.CountByStatus(uncounted.Select(ProjectDeploymentStore.Read)))
            .GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
    }
}

using Dapper;
using FlopsBus.Contracts;
using MassTransit;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Turns a lost node into failures of the actors it ran, for every deployment still under way or ready; the
/// saga's failure policy then re-places a learner or tears the project down. A node lost twice yields the
/// same failures again, which the saga ignores.
/// </summary>
public sealed class NodeLostConsumer(NpgsqlDataSource dataSource) : IConsumer<NodeLost>
{
    public async Task Consume(ConsumeContext<NodeLost> context)
    {
        var lost = context.Message;
        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        var actors = await connection.QueryAsync<(Guid ProjectId, Guid ActorId)>(new CommandDefinition(
            """
            SELECT d.correlation_id, (a->>'actorId')::uuid
              FROM project_deployments d, json_array_elements(d.state->'actors') a
             WHERE d.current_state IN ('Placing', 'Deploying', 'Ready')
               AND a->>'nodeId' = @nodeId
               AND NOT (a->>'retired')::boolean
               AND a->>'removedAt' IS NULL
            """,
            new { nodeId = lost.NodeId }, cancellationToken: context.CancellationToken));
        foreach (var (projectId, actorId) in actors)
            await context.Publish(new ActorFailed
            {
                ProjectId = projectId, ActorId = actorId, NodeId = lost.NodeId, Stage = FailureStages.NodeLost,
                Reason = $"node {lost.NodeId} lost: {lost.Reason}"
            });
    }
}

using Dapper;
using FlopsBus.Contracts;
using MassTransit;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>Lists deployments from the saga's table: a query across instances, which only the PostgreSQL store answers.</summary>
public sealed class GetProjectsConsumer(NpgsqlDataSource dataSource) : IConsumer<GetProjects>
{
    public const int MaxLimit = 1000;

    private sealed record Row(Guid ProjectId, string CustomerId, string State, bool Observatory, int Actors, DateTime SubmittedAt, DateTime UpdatedAt);

    public async Task Consume(ConsumeContext<GetProjects> context)
    {
        var request = context.Message;
        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT correlation_id AS ProjectId, customer_id AS CustomerId, current_state AS State,
                   EXISTS (SELECT 1 FROM json_array_elements(state->'actors') a WHERE a->>'role' = @trackingServer) AS Observatory,
                   json_array_length(state->'actors') AS Actors, created_at AS SubmittedAt, updated_at AS UpdatedAt
              FROM project_deployments
             WHERE @customerId::text IS NULL OR customer_id = @customerId
             ORDER BY updated_at DESC
             LIMIT @limit
            """,
            new { trackingServer = ActorRoles.TrackingServer, customerId = request.CustomerId, limit = Math.Clamp(request.Limit, 1, MaxLimit) },
            cancellationToken: context.CancellationToken));
        await context.RespondAsync(new ProjectList
        {
            Projects = rows.Select(r => new ProjectSummary
            {
                ProjectId = r.ProjectId, CustomerId = r.CustomerId, Status = ProjectStatusView.StatusWord(r.State), Observatory = r.Observatory,
                Actors = r.Actors, SubmittedAt = new DateTimeOffset(r.SubmittedAt, TimeSpan.Zero), UpdatedAt = new DateTimeOffset(r.UpdatedAt, TimeSpan.Zero),
            }).ToList()
        });
    }
}

using System.Text.Json;
using Dapper;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Saga instances in PostgreSQL for one message: a read, then one write. The write is a single statement, so it
/// needs no transaction around it: an update names the version it read, and losing the race (or an insert losing
/// to a concurrent one) raises <see cref="ProjectDeploymentConcurrencyException"/> so the message is retried
/// against the newer state.
/// </summary>
public sealed class ProjectDeploymentStore : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly NpgsqlConnection _connection;

    private ProjectDeploymentStore(NpgsqlConnection connection) => _connection = connection;

    public static async Task<ProjectDeploymentStore> Open(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        new(await dataSource.OpenConnectionAsync(cancellationToken));

    public async Task<ProjectDeploymentState?> Load(Guid correlationId, CancellationToken cancellationToken)
    {
        var row = await _connection.QuerySingleOrDefaultAsync<(string State, int Version)?>(new CommandDefinition(
            "SELECT state::text AS State, version AS Version FROM project_deployments WHERE correlation_id = @correlationId",
            new { correlationId }, cancellationToken: cancellationToken));
        if (row is not { } found) return null;
        var state = Read(found.State);
        state.Version = found.Version;
        return state;
    }

    /// <summary>A saga instance from its stored document.</summary>
    public static ProjectDeploymentState Read(string document) => JsonSerializer.Deserialize<ProjectDeploymentState>(document, Json)!;

    public async Task Insert(ProjectDeploymentState instance, CancellationToken cancellationToken)
    {
        instance.Version = 1;
        try
        {
            await _connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO project_deployments (correlation_id, current_state, customer_id, version, state, next_deadline)
                VALUES (@CorrelationId, @CurrentState, @CustomerId, @Version, @State::json, @NextDeadline)
                """,
                Parameters(instance), cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ProjectDeploymentConcurrencyException(instance.CorrelationId, "was created by a concurrent message", e);
        }
    }

    public async Task Update(ProjectDeploymentState instance, CancellationToken cancellationToken)
    {
        var read = instance.Version;
        instance.Version = read + 1;
        var parameters = Parameters(instance);
        parameters.Add("Read", read);
        var updated = await _connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE project_deployments
               SET current_state = @CurrentState, customer_id = @CustomerId, version = @Version, state = @State::json,
                   next_deadline = @NextDeadline, updated_at = now()
             WHERE correlation_id = @CorrelationId AND version = @Read
            """,
            parameters,
            cancellationToken: cancellationToken));
        if (updated == 0)
            throw new ProjectDeploymentConcurrencyException(instance.CorrelationId, $"changed since version {read} was read");
    }

    public Task Delete(ProjectDeploymentState instance, CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM project_deployments WHERE correlation_id = @correlationId",
            new { correlationId = instance.CorrelationId }, cancellationToken: cancellationToken));

    private static DynamicParameters Parameters(ProjectDeploymentState instance)
    {
        var parameters = new DynamicParameters();
        parameters.Add("CorrelationId", instance.CorrelationId);
        parameters.Add("CurrentState", instance.CurrentState);
        parameters.Add("CustomerId", instance.CustomerId);
        parameters.Add("Version", instance.Version);
        parameters.Add("State", JsonSerializer.Serialize(instance, Json));
        parameters.Add("NextDeadline", instance.NextDeadline);
        return parameters;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

public sealed class ProjectDeploymentConcurrencyException(Guid projectId, string what, Exception? inner = null)
    : Exception($"The deployment of project {projectId} {what}; the message will be retried.", inner);

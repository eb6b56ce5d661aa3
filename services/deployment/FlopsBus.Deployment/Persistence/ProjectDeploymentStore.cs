using System.Text.Json;
using System.Text.Json.Serialization;
using FlopsBus.Contracts;
using Dapper;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Saga instances in PostgreSQL for one message: a read, then one write. The write is a single statement (the
/// document and the timeline's new entries), so it needs no transaction around it: an update names the version it read, and losing the race (or an insert losing
/// to a concurrent one) raises <see cref="ProjectDeploymentConcurrencyException"/> so the message is retried
/// against the newer state.
/// </summary>
public sealed class ProjectDeploymentStore : IAsyncDisposable
{

    /// <summary>The timeline's new entries, in order, for the deployment the statement's `written` step wrote (none when it wrote nothing).</summary>
    private const string AppendTimeline =
        """
        INSERT INTO project_events (correlation_id, at, event, actor_id, detail)
        SELECT w.correlation_id, e.at, e.event, e.actor_id, e.detail
          FROM written w, unnest(@Ats::timestamptz[], @Events::text[], @ActorIds::uuid[], @Details::text[]) WITH ORDINALITY AS e(at, event, actor_id, detail, n)
         ORDER BY e.n
        """;

    private readonly NpgsqlConnection _connection;
    private readonly SagaDocumentCache _cache;

    private ProjectDeploymentStore(NpgsqlConnection connection, SagaDocumentCache cache)
    {
        _connection = connection;
        _cache = cache;
    }

    public static async Task<ProjectDeploymentStore> Open(NpgsqlDataSource dataSource, SagaDocumentCache cache, CancellationToken cancellationToken) =>
        new(await dataSource.OpenConnectionAsync(cancellationToken), cache);

    /// <summary>
    /// The saga instance, from this process's last write of it when there is one (see <see cref="SagaDocumentCache"/>);
    /// a status request reads the database, and the timeline with it, as events only append to it.
    /// </summary>
    public async Task<ProjectDeploymentState?> Load(Guid correlationId, bool withTimeline, CancellationToken cancellationToken)
    {
        if (!withTimeline && _cache.TryGet(correlationId, out var cached, out var cachedVersion))
        {
            var known = Read(cached);
            known.Version = cachedVersion;
            return known;
        }
        var row = await _connection.QuerySingleOrDefaultAsync<(string State, int Version)?>(new CommandDefinition(
            "SELECT state::text AS State, version AS Version FROM project_deployments WHERE correlation_id = @correlationId",
            new { correlationId }, cancellationToken: cancellationToken));
        if (row is not { } found) return null;
        var state = Read(found.State);
        state.Version = found.Version;
        if (withTimeline)
        {
            state.Timeline = (await _connection.QueryAsync<ProjectEvent>(new CommandDefinition(
                "SELECT at AS At, event AS Event, actor_id AS ActorId, detail AS Detail FROM project_events WHERE correlation_id = @correlationId ORDER BY id",
                new { correlationId }, cancellationToken: cancellationToken))).AsList();
            state.TimelineStored = state.Timeline.Count;
        }
        return state;
    }

    /// <summary>A saga instance from its stored document.</summary>
    public static ProjectDeploymentState Read(string document) => JsonSerializer.Deserialize(document, StoredDocument.Default.ProjectDeploymentState)!;

    public async Task Insert(ProjectDeploymentState instance, CancellationToken cancellationToken)
    {
        instance.Version = 1;
        var (parameters, document) = Parameters(instance);
        try
        {
            await _connection.ExecuteAsync(new CommandDefinition(
                $$"""
                WITH written AS (
                    INSERT INTO project_deployments (correlation_id, current_state, customer_id, version, state, next_deadline)
                    VALUES (@CorrelationId, @CurrentState, @CustomerId, @Version, @State::json, @NextDeadline)
                    RETURNING correlation_id)
                {{AppendTimeline}}
                """,
                parameters, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            _cache.Forget(instance.CorrelationId);
            throw new ProjectDeploymentConcurrencyException(instance.CorrelationId, "was created by a concurrent message", e);
        }
        Written(instance, document);
    }

    /// <summary>The new document and the timeline's new entries in one statement: both take effect, or, when the version moved on, neither.</summary>
    public async Task Update(ProjectDeploymentState instance, CancellationToken cancellationToken)
    {
        var read = instance.Version;
        instance.Version = read + 1;
        var (parameters, document) = Parameters(instance);
        parameters.Add("Read", read);
        var updated = await _connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $$"""
            WITH written AS (
                UPDATE project_deployments
                   SET current_state = @CurrentState, customer_id = @CustomerId, version = @Version, state = @State::json,
                       next_deadline = @NextDeadline, updated_at = now()
                 WHERE correlation_id = @CorrelationId AND version = @Read
                RETURNING correlation_id),
            logged AS ({{AppendTimeline}})
            SELECT count(*) FROM written
            """,
            parameters, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            _cache.Forget(instance.CorrelationId);
            throw new ProjectDeploymentConcurrencyException(instance.CorrelationId, $"changed since version {read} was read");
        }
        Written(instance, document);
    }

    private void Written(ProjectDeploymentState instance, string document)
    {
        instance.TimelineStored = instance.Timeline.Count;
        _cache.Written(instance.CorrelationId, document, instance.Version);
    }

    public Task Delete(ProjectDeploymentState instance, CancellationToken cancellationToken)
    {
        _cache.Forget(instance.CorrelationId);
        return _connection.ExecuteAsync(new CommandDefinition(
            """
            WITH events AS (DELETE FROM project_events WHERE correlation_id = @correlationId)
            DELETE FROM project_deployments WHERE correlation_id = @correlationId
            """,
            new { correlationId = instance.CorrelationId }, cancellationToken: cancellationToken));
    }

    private static (DynamicParameters Parameters, string Document) Parameters(ProjectDeploymentState instance)
    {
        var document = JsonSerializer.Serialize(instance, StoredDocument.Default.ProjectDeploymentState);
        var parameters = new DynamicParameters();
        parameters.Add("CorrelationId", instance.CorrelationId);
        parameters.Add("CurrentState", instance.CurrentState);
        parameters.Add("CustomerId", instance.CustomerId);
        parameters.Add("Version", instance.Version);
        parameters.Add("State", document);
        parameters.Add("NextDeadline", instance.NextDeadline);
        var added = instance.Timeline.Skip(instance.TimelineStored).ToList();
        parameters.Add("Ats", added.Select(e => e.At).ToArray());
        parameters.Add("Events", added.Select(e => e.Event).ToArray());
        parameters.Add("ActorIds", added.Select(e => e.ActorId).ToArray());
        parameters.Add("Details", added.Select(e => e.Detail).ToArray());
        return (parameters, document);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>The document's JSON, generated at build time: every event reads it and writes it again.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProjectDeploymentState))]
internal sealed partial class StoredDocument : JsonSerializerContext;

public sealed class ProjectDeploymentConcurrencyException(Guid projectId, string what, Exception? inner = null)
    : Exception($"The deployment of project {projectId} {what}; the message will be retried.", inner);

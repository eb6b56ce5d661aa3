using System.Text.Json;
using System.Text.Json.Serialization;
using FlopsBus.Contracts;
using Dapper;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Saga documents in PostgreSQL. A write is a single statement (the document and the timeline's new entries): an
/// update names the version it started from, and loses when it moved on, as an insert loses to a concurrent one.
/// What to write, and when, is <see cref="ProjectDocumentWriter"/>'s business.
/// </summary>
public sealed class ProjectDeploymentStore(NpgsqlDataSource dataSource)
{
    /// <summary>The timeline's new entries, in order, for the deployment the statement's `written` step wrote (none when it wrote nothing).</summary>
    private const string AppendTimeline =
        """
        INSERT INTO project_events (correlation_id, at, event, actor_id, detail)
        SELECT w.correlation_id, e.at, e.event, e.actor_id, e.detail
          FROM written w, unnest(@Ats::timestamptz[], @Events::text[], @ActorIds::uuid[], @Details::text[]) WITH ORDINALITY AS e(at, event, actor_id, detail, n)
         ORDER BY e.n
        """;

    /// <summary>The saga instance as stored, with its timeline when asked (a status request shows it; events only append to it).</summary>
    public async Task<ProjectDeploymentState?> Load(Guid correlationId, bool withTimeline, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string State, int Version)?>(new CommandDefinition(
            "SELECT state::text AS State, version AS Version FROM project_deployments WHERE correlation_id = @correlationId",
            new { correlationId }, cancellationToken: cancellationToken));
        if (row is not { } found) return null;
        var state = Read(found.State);
        state.Version = found.Version;
        if (withTimeline)
        {
            state.Timeline = (await connection.QueryAsync<ProjectEvent>(new CommandDefinition(
                "SELECT at AS At, event AS Event, actor_id AS ActorId, detail AS Detail FROM project_events WHERE correlation_id = @correlationId ORDER BY id",
                new { correlationId }, cancellationToken: cancellationToken))).AsList();
            state.TimelineStored = state.Timeline.Count;
        }
        return state;
    }

    /// <summary>A saga instance from its stored document.</summary>
    public static ProjectDeploymentState Read(string document) => JsonSerializer.Deserialize(document, StoredDocument.Default.ProjectDeploymentState)!;

    /// <summary>A saga instance's stored document.</summary>
    public static string Document(ProjectDeploymentState instance) => JsonSerializer.Serialize(instance, StoredDocument.Default.ProjectDeploymentState);

    private const string Insert =
        $$"""
        WITH written AS (
            INSERT INTO project_deployments (correlation_id, current_state, customer_id, version, state, next_deadline)
            VALUES (@CorrelationId, @CurrentState, @CustomerId, @Version, @State::json, @NextDeadline)
            ON CONFLICT (correlation_id) DO NOTHING
            RETURNING correlation_id),
        logged AS ({{AppendTimeline}})
        SELECT count(*) FROM written
        """;

    private const string Update =
        $$"""
        WITH written AS (
            UPDATE project_deployments
               SET current_state = @CurrentState, customer_id = @CustomerId, version = @Version, state = @State::json,
                   next_deadline = @NextDeadline, updated_at = now()
             WHERE correlation_id = @CorrelationId AND version = @Read
            RETURNING correlation_id),
        logged AS ({{AppendTimeline}})
        SELECT count(*) FROM written
        """;

    /// <summary>
    /// Writes deployments in one round trip and one transaction (a batch runs in one unless it names its own). Each
    /// inserts its deployment (<see cref="ProjectDocumentWrite.Read"/> 0) or moves it from the version it names to the
    /// write's, with the timeline's new entries: both take effect, or, when the version moved on (or another insert
    /// came first), neither, and that write alone answers false. Npgsql's batch rather than Dapper, which has none.
    /// </summary>
    public async Task<IReadOnlyList<bool>> Write(IReadOnlyList<ProjectDocumentWrite> writes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = connection.CreateBatch();
        foreach (var write in writes)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = write.Read == 0 ? Insert : Update;
            command.Parameters.AddWithValue("CorrelationId", write.CorrelationId);
            command.Parameters.AddWithValue("CurrentState", write.CurrentState);
            command.Parameters.AddWithValue("CustomerId", write.CustomerId);
            command.Parameters.AddWithValue("Version", write.Version);
            command.Parameters.AddWithValue("Read", write.Read);
            command.Parameters.AddWithValue("State", write.Document);
            command.Parameters.AddWithValue("NextDeadline", (object?)write.NextDeadline ?? DBNull.Value);
            command.Parameters.AddWithValue("Ats", write.Timeline.Select(e => e.At).ToArray());
            command.Parameters.AddWithValue("Events", write.Timeline.Select(e => e.Event).ToArray());
            command.Parameters.AddWithValue("ActorIds", write.Timeline.Select(e => e.ActorId).ToArray());
            command.Parameters.AddWithValue("Details", write.Timeline.Select(e => e.Detail).ToArray());
            batch.BatchCommands.Add(command);
        }
        var stored = new bool[writes.Count];
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < writes.Count; i++)
        {
            if (i > 0) await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            stored[i] = reader.GetInt64(0) == 1;
        }
        return stored;
    }

    public async Task Delete(Guid correlationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            WITH events AS (DELETE FROM project_events WHERE correlation_id = @correlationId)
            DELETE FROM project_deployments WHERE correlation_id = @correlationId
            """,
            new { correlationId }, cancellationToken: cancellationToken));
    }
}

/// <summary>One write of a deployment: its document at <see cref="Version"/>, from the stored <see cref="Read"/> (0: not stored yet), and the timeline entries added since.</summary>
public sealed record ProjectDocumentWrite(
    Guid CorrelationId, string CurrentState, string CustomerId, int Read, int Version, string Document, DateTimeOffset? NextDeadline,
    IReadOnlyList<ProjectEvent> Timeline);

/// <summary>The document's JSON, generated at build time: every event reads it and writes it again.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProjectDeploymentState))]
internal sealed partial class StoredDocument : JsonSerializerContext;

public sealed class ProjectDeploymentConcurrencyException(Guid projectId, string what, Exception? inner = null)
    : Exception($"The deployment of project {projectId} {what}; the message will be retried.", inner);

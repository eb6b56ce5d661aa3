using System.Text.Json;
using System.Text.Json.Serialization;
using FlopsBus.Contracts;
using Dapper;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Saga documents in PostgreSQL. A write is a single statement (the document and the timeline's new entries), so it
/// needs no transaction around it: an update names the version it started from, and losing the race (or an insert
/// losing to a concurrent one) raises <see cref="ProjectDeploymentConcurrencyException"/>. What to write, and when,
/// is <see cref="ProjectDocumentWriter"/>'s business.
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

    /// <summary>
    /// Inserts the deployment (<see cref="ProjectDocumentWrite.Read"/> 0) or moves it from the version it names to the
    /// write's, with the timeline's new entries: both take effect, or, when the version moved on, neither.
    /// </summary>
    public async Task Write(ProjectDocumentWrite write, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("CorrelationId", write.CorrelationId);
        parameters.Add("CurrentState", write.CurrentState);
        parameters.Add("CustomerId", write.CustomerId);
        parameters.Add("Version", write.Version);
        parameters.Add("Read", write.Read);
        parameters.Add("State", write.Document);
        parameters.Add("NextDeadline", write.NextDeadline);
        parameters.Add("Ats", write.Timeline.Select(e => e.At).ToArray());
        parameters.Add("Events", write.Timeline.Select(e => e.Event).ToArray());
        parameters.Add("ActorIds", write.Timeline.Select(e => e.ActorId).ToArray());
        parameters.Add("Details", write.Timeline.Select(e => e.Detail).ToArray());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (write.Read == 0)
        {
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(
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
                throw new ProjectDeploymentConcurrencyException(write.CorrelationId, "was created by a concurrent message", e);
            }
            return;
        }
        var updated = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
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
            throw new ProjectDeploymentConcurrencyException(write.CorrelationId, $"changed since version {write.Read} was read");
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

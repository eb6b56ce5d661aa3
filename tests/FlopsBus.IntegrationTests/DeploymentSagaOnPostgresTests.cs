using System.Text.Json;
using FlopsBus.Contracts;
using FlopsBus.Deployment;
using FlopsBus.Deployment.Persistence;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FlopsBus.IntegrationTests;

/// <summary>The deployment saga persisted in the real PostgreSQL, fed through the real broker.</summary>
public sealed class DeploymentSagaOnPostgresTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // The host's clock: deadlines fall and gauges count again when a test moves it, not when time passes.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly PlannerAndSagaOnRabbitMq _system;
    private readonly Guid _projectId = Guid.NewGuid();
    private readonly List<PlacedActor> _actors = [];

    public DeploymentSagaOnPostgresTests()
    {
        _system = new PlannerAndSagaOnRabbitMq(_clock);
        _actors.Add(Actor(ActorRoles.Aggregator, 0));
        for (var i = 0; i < 10; i++) _actors.Add(Actor(ActorRoles.Learner, i));
    }

    public Task InitializeAsync() => _system.InitializeAsync();
    public Task DisposeAsync() => _system.DisposeAsync();

    private PlacedActor Actor(string role, int instance) => new()
    {
        Actor = new ActorSpec { ProjectId = _projectId, ActorId = Guid.NewGuid(), Role = role, Instance = instance, Image = "127.0.0.1:5000/x:1" },
        NodeId = $"node-{instance % 3}", Endpoint = "127.0.0.1:41000"
    };

    private ProjectPlaced Placed => new() { ProjectId = _projectId, CustomerId = "pg", Actors = _actors };

    private IEnumerable<object> EventsOf(PlacedActor a)
    {
        yield return new ActorStarted { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, ContainerId = "c", Role = a.Actor.Role, StartedAt = _clock.GetUtcNow() };
        if (a.Actor.Role != ActorRoles.Learner) yield break;
        yield return new DataFetched { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, Samples = 10 };
        yield return new AggregatorConnected { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId };
    }

    private async Task<(string State, int Version, JsonElement Document)?> Row()
    {
        await using var connection = new NpgsqlConnection(_system.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_state, version, state FROM project_deployments WHERE correlation_id = @id", connection);
        command.Parameters.AddWithValue("id", _projectId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        return (reader.GetString(0), reader.GetInt32(1), JsonDocument.Parse(reader.GetString(2)).RootElement.Clone());
    }

    private async Task<(string State, int Version, JsonElement Document)> WaitForRow(Func<(string State, int Version, JsonElement Document), bool> condition)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            if (await Row() is { } row && condition(row)) return row;
            await Task.Delay(50, deadline.Token);
        }
    }

    private static int ActorsWith(JsonElement document, string fact) =>
        document.GetProperty("actors").EnumerateArray().Count(a => a.TryGetProperty(fact, out var value) && value.ValueKind != JsonValueKind.Null);

    [Fact]
    public async Task Events_of_one_project_consumed_concurrently_all_take_effect()
    {
        var messages = new object[] { Placed }.Concat(_actors.SelectMany(EventsOf)).ToList();

        await Task.WhenAll(messages.Select(m => _system.Bus.Publish(m)));

        try
        {
            await _system.Events.WaitFor<ProjectReady>(r => r.ProjectId == _projectId, Patience);
        }
        catch (TimeoutException e)
        {
            var row = await Row();
            throw new TimeoutException(row is not { } r ? e.Message :
                $"{e.Message}\nThe saga row: {r.State} version {r.Version}, started {ActorsWith(r.Document, "startedAt")}, " +
                $"data {ActorsWith(r.Document, "dataFetchedAt")}, connected {ActorsWith(r.Document, "connectedAt")}", e);
        }
        var (state, version, document) = (await Row())!.Value;
        Assert.Equal("Ready", state);
        Assert.Equal(11, ActorsWith(document, "startedAt"));
        Assert.Equal(10, ActorsWith(document, "dataFetchedAt"));
        Assert.Equal(10, ActorsWith(document, "connectedAt"));
        Assert.True(version >= messages.Count, $"every message is one committed update: version {version} for {messages.Count} messages");

        // The timeline, kept apart from the document: every message once, in the order folded in, READY last.
        var status = await _system.Bus.CreateRequestClient<GetProjectStatus>(EndpointNames.DeploymentAddress)
            .GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = _projectId });
        var timeline = status.Message.Timeline;
        Assert.Equal(messages.Count + 1, timeline.Count);
        Assert.Equal((11, 10, 10, "ready"), (timeline.Count(e => e.Event == "started"), timeline.Count(e => e.Event == "data-fetched"),
            timeline.Count(e => e.Event == "connected"), timeline[^1].Event));
        Assert.Equal(timeline.OrderBy(e => e.At).Select(e => e.At), timeline.Select(e => e.At));
    }

    [Fact]
    public async Task A_document_changed_by_another_saga_host_fails_the_stale_write_and_the_retry_reads_the_database()
    {
        await using var dataSource = NpgsqlDataSource.Create(_system.ConnectionString);
        using ProjectDocumentWriter hostA = Writer(dataSource), hostB = Writer(dataSource);
        await hostA.Insert(new ProjectDeploymentState { CorrelationId = _projectId, CurrentState = "Deploying", CustomerId = "pg" });
        var read = (await hostB.Load(_projectId, withTimeline: false, CancellationToken.None))!;
        read.Reason = "changed on host B";
        await hostB.Update(read);

        var stale = (await hostA.Load(_projectId, withTimeline: false, CancellationToken.None))!;
        Assert.Equal((1, null), (stale.Version, stale.Reason));
        await Assert.ThrowsAsync<ProjectDeploymentConcurrencyException>(() => hostA.Update(stale));
        var fresh = (await hostA.Load(_projectId, withTimeline: false, CancellationToken.None))!;
        Assert.Equal((2, "changed on host B"), (fresh.Version, fresh.Reason));
    }

    /// <summary>A saga host's writer on its own cache, as each saga host process has.</summary>
    private static ProjectDocumentWriter Writer(NpgsqlDataSource dataSource, DeploymentOptions? options = null) =>
        new(new ProjectDeploymentStore(dataSource), new SagaInstanceCache(16), options ?? new DeploymentOptions());

    [Fact]
    public async Task Changes_taken_within_the_write_delay_are_stored_in_one_write()
    {
        await using var dataSource = NpgsqlDataSource.Create(_system.ConnectionString);
        using var writer = Writer(dataSource, new DeploymentOptions { WriteDelay = TimeSpan.FromSeconds(1) });
        var instance = new ProjectDeploymentState { CorrelationId = _projectId, CurrentState = "Deploying", CustomerId = "pg" };
        instance.Log(_clock.GetUtcNow(), "placed");
        var writes = new List<Task> { writer.Insert(instance) };
        foreach (var actor in _actors.Take(5))
        {
            var next = (await writer.Load(_projectId, withTimeline: false, CancellationToken.None))!;
            next.Log(_clock.GetUtcNow(), "started", actor.Actor.ActorId);
            writes.Add(writer.Update(next));
        }

        await Task.WhenAll(writes);

        Assert.Equal(6, (await Row())!.Value.Version);
        // Rows written by one transaction carry its id (xmin): the six changes' timeline entries, one write.
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT xmin::text) FROM project_events WHERE correlation_id = @id", connection);
        command.Parameters.AddWithValue("id", _projectId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((6L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task A_message_that_fails_before_its_change_is_taken_leaves_the_next_one_the_last_change_written()
    {
        await using var dataSource = NpgsqlDataSource.Create(_system.ConnectionString);
        using var writer = Writer(dataSource, new DeploymentOptions { WriteDelay = TimeSpan.FromSeconds(1) });
        await writer.Insert(new ProjectDeploymentState { CorrelationId = _projectId, CurrentState = "Deploying", CustomerId = "pg", Reason = "stored" });

        // A change taken and not yet written lives only in the instance the failing message half changes: it fails too.
        var first = (await writer.Load(_projectId, withTimeline: false, CancellationToken.None))!;
        first.Reason = "taken";
        var taken = writer.Update(first);
        await HalfChangeAndFail();
        await Assert.ThrowsAsync<ProjectDeploymentConcurrencyException>(() => taken);
        Assert.Equal((1, "stored", 0), await Next());

        // Once written, it stays.
        var second = (await writer.Load(_projectId, withTimeline: false, CancellationToken.None))!;
        second.Reason = "written";
        await writer.Update(second);
        await HalfChangeAndFail();
        Assert.Equal((2, "written", 0), await Next());
        var (_, version, document) = (await Row())!.Value;
        Assert.Equal((2, "written"), (version, document.GetProperty("reason").GetString()));

        async Task HalfChangeAndFail()
        {
            var failing = (await writer.Load(_projectId, withTimeline: false, CancellationToken.None))!;
            failing.Reason = "half changed";
            failing.Actors.Add(new ActorProgress { ActorId = Guid.NewGuid(), NodeId = "node-0" });
            writer.Abandon(failing);
        }

        async Task<(int, string?, int)> Next()
        {
            var next = (await writer.Load(_projectId, withTimeline: false, CancellationToken.None))!;
            return (next.Version, next.Reason, next.Actors.Count);
        }
    }

    [Fact]
    public async Task A_saga_host_restarted_in_the_middle_of_a_deployment_finishes_it()
    {
        var before = new object[] { Placed }.Concat(_actors.Take(6).SelectMany(EventsOf)).ToList();
        foreach (var m in before) await _system.Bus.Publish(m);
        await WaitForRow(r => ActorsWith(r.Document, "connectedAt") == 5);

        await _system.Stop();
        await _system.Start();
        foreach (var m in _actors.Skip(6).SelectMany(EventsOf)) await _system.Bus.Publish(m);

        await _system.Events.WaitFor<ProjectReady>(r => r.ProjectId == _projectId, Patience);
        Assert.Equal("Ready", (await Row())!.Value.State);
    }

    [Fact]
    public async Task A_deadline_that_falls_while_the_saga_host_is_down_fires_after_it_restarts()
    {
        await _system.Bus.Publish(Placed with { ReadinessTimeout = TimeSpan.FromMinutes(5) });
        await WaitForRow(r => r.State == "Deploying");

        await _system.Stop();
        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await _system.Start();

        var failed = await _system.Events.WaitFor<ProjectFailed>(f => f.ProjectId == _projectId, Patience);
        Assert.StartsWith("not ready within 00:05:00", failed[0].Reason);
        Assert.Equal("TearingDown", (await Row())!.Value.State);
    }

    [Fact]
    public async Task A_lost_node_fails_its_actors_and_the_failure_policy_takes_over()
    {
        _actors[3] = _actors[3] with { NodeId = "node-9" };
        await _system.Bus.Publish(Placed);
        await WaitForRow(r => r.State == "Deploying");

        await _system.Bus.Publish(new NodeLost { NodeId = "node-9", LastSeen = DateTimeOffset.UtcNow, Reason = "no heartbeat for 16 s" });

        // The learner on node-9 is re-placed from the spec the saga keeps (the planner here never placed this project);
        // no learner node is live, so the replacement fails and the saga gives the project up, naming why.
        var failed = await _system.Events.WaitFor<ProjectFailed>(f => f.ProjectId == _projectId, Patience);
        Assert.StartsWith($"re-placing actor {_actors[3].Actor.ActorId} failed: {PlacementFailureCodes.NoWorkerCapacity}: Re-placing learner 2 away from node-9:",
            failed[0].Reason);
        var row = await WaitForRow(r => r.State == "TearingDown");
        var failure = row.Document.GetProperty("actors").EnumerateArray().Single(a => a.GetProperty("nodeId").GetString() == "node-9").GetProperty("failure").GetString();
        Assert.StartsWith("node-lost: node node-9 lost", failure);
    }

    [Fact]
    public async Task A_planner_that_never_saw_the_placement_re_places_a_failed_learner_from_the_spec_the_saga_keeps()
    {
        // Placed by a planner before this one started: this planner knows the nodes, nothing of the project.
        foreach (var node in new[] { "node-0", "node-1", "node-2" })
            await _system.Bus.Publish(new NodeRegistered
            {
                Node = new NodeSnapshot
                {
                    NodeId = node, Address = "127.0.0.1", AddOns = [NodeAddOns.FlopsLearner], Capacity = new ActorResources { CpuMillis = 8000, MemoryMb = 8192 },
                    PortRangeStart = 41000, PortRangeEnd = 41009,
                }
            });
        await _system.WaitForNodes(3, Patience);
        var learner = _actors[3] with { Actor = _actors[3].Actor with { DataTags = ["mnist"], AggregatorEndpoint = "127.0.0.1:41000" } };
        _actors[3] = learner;
        await _system.Bus.Publish(Placed);
        await WaitForRow(r => r.State == "Deploying");

        await _system.Bus.Publish(new ActorFailed { ProjectId = _projectId, ActorId = learner.Actor.ActorId, NodeId = learner.NodeId, Stage = FailureStages.Exited, Reason = "exit 1" });

        var replaced = (await _system.Events.WaitFor<ActorReplaced>(r => r.ProjectId == _projectId, Patience))[0];
        Assert.Equal(learner.Actor.ActorId, replaced.ReplacedActorId);
        Assert.NotEqual(learner.NodeId, replaced.Replacement.NodeId);
        Assert.Equal((learner.Actor.Role, learner.Actor.Instance, learner.Actor.Image, "mnist", "127.0.0.1:41000"),
            (replaced.Replacement.Actor.Role, replaced.Replacement.Actor.Instance, replaced.Replacement.Actor.Image,
             replaced.Replacement.Actor.DataTags.Single(), replaced.Replacement.Actor.AggregatorEndpoint));
        var row = await WaitForRow(r => r.Document.GetProperty("actors").EnumerateArray().Any(a => a.GetProperty("actorId").GetGuid() == replaced.Replacement.Actor.ActorId));
        Assert.Equal("Deploying", row.State);
    }

    [Fact]
    public async Task The_actors_by_status_gauge_counts_what_the_stored_deployments_say()
    {
        await _system.Bus.Publish(Placed);
        foreach (var m in _actors.Take(4).SelectMany(EventsOf)) await _system.Bus.Publish(m);
        await WaitForRow(r => ActorsWith(r.Document, "connectedAt") == 3);
        var gauge = _system.Services.GetRequiredService<ActorStatusGauge>();

        using var deadline = new CancellationTokenSource(Patience);
        while (gauge.Counts.GetValueOrDefault(ActorStatuses.Connected) != 3)
        {
            // The gauge counts again each time its interval passes on the host's clock.
            _clock.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(50, deadline.Token);
        }

        Assert.Equal(new Dictionary<string, int> { [ActorStatuses.Running] = 1, [ActorStatuses.Connected] = 3, [ActorStatuses.NodeScheduled] = 7 },
            gauge.Counts);
    }

    [Fact]
    public async Task Actors_by_status_reads_the_document_of_a_deployment_stored_before_its_counts_were()
    {
        await _system.Bus.Publish(Placed);
        await WaitForRow(r => r.State == "Deploying");
        await using var dataSource = NpgsqlDataSource.Create(_system.ConnectionString);
        await using (var read = dataSource.CreateCommand("SELECT actor_counts::text FROM project_deployments WHERE correlation_id = @id"))
        {
            read.Parameters.AddWithValue("id", _projectId);
            Assert.Equal(new Dictionary<string, int> { [ActorStatuses.NodeScheduled] = 11 },
                JsonSerializer.Deserialize<Dictionary<string, int>>((string)(await read.ExecuteScalarAsync())!));
        }
        // As a row written before the column existed: only its document says how its actors stand.
        await using (var forget = dataSource.CreateCommand("UPDATE project_deployments SET actor_counts = NULL WHERE correlation_id = @id"))
        {
            forget.Parameters.AddWithValue("id", _projectId);
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }

        var counts = await new PostgresDeploymentQueries(dataSource).ActorsByStatus(CancellationToken.None);

        Assert.Equal(new Dictionary<string, int> { [ActorStatuses.NodeScheduled] = 11 }, counts);
    }
}

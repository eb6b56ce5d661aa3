using Microsoft.Extensions.Time.Testing;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlopsBus.Tests.Agent;

/// <summary>
/// The agent's decisions on a runtime that only records: duplicates, refusals, removal, take-back, and what it does
/// while its link to the broker is cut (<see cref="BrokerLink"/>).
/// </summary>
public sealed class NodeAgentTests : IAsyncLifetime
{
    private const string Node = "node-7";
    private readonly ServiceProvider _provider;
    private readonly FakeActorRuntime _runtime = new();
    private readonly NodeAgent _agent;

    private readonly FakeTimeProvider _clock = new();
    private readonly BrokerLink _broker = new();

    public NodeAgentTests()
    {
        var services = new ServiceCollection();
        services.AddMassTransitTestHarness(x =>
        {
            x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(1));
            x.UsingInMemory((context, cfg) =>
            {
                cfg.ConfigurePublish(p => p.UseFilter(_broker));
                cfg.ConfigureEndpoints(context);
            });
        });
        _provider = services.BuildServiceProvider(true);
        _agent = Agent(() => Harness.Bus);
    }

    /// <summary>This node's agent on the recording runtime and the test's clock, publishing through <paramref name="bus"/>.</summary>
    private NodeAgent Agent(Func<IBus> bus) =>
        new(new AgentOptions { NodeId = Node, CpuMillis = 4000, MemoryMb = 4096, RetiredActorsTimeout = TimeSpan.FromSeconds(1) }, _runtime, bus,
            _clock, NullLogger<NodeAgent>.Instance);

    private ITestHarness Harness => _provider.GetRequiredService<ITestHarness>();
    public async Task InitializeAsync()
    {
        await Harness.Start();
        await _agent.Reports.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _agent.Reports.StopAsync(CancellationToken.None);
        await _agent.DisposeAsync();
        await _provider.DisposeAsync();
    }

    private static DeployActor Learner(string image = "127.0.0.1:5000/flops/sample-learner:1", string node = Node) => new()
    {
        NodeId = node,
        Actor = new ActorSpec
        {
            ProjectId = Guid.NewGuid(), ActorId = Guid.NewGuid(), Role = ActorRoles.Learner, Image = image,
            AggregatorEndpoint = "127.0.0.1:41000", DataTags = ["mnist"], Resources = new ActorResources { CpuMillis = 500, MemoryMb = 512 },
        },
    };

    private Task<bool> Published<T>(Func<T, bool> match) where T : class => Harness.Published.Any<T>(p => match(p.Context.Message));

    /// <summary>
    /// Waits until a matching T is published. The harness gives up after a second without bus activity, and the
    /// output of a taken-back actor is read in the background, so one quiet second is not an answer.
    /// </summary>
    private async Task PublishedWithin<T>(Func<T, bool> match, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await Published(match))
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"No matching {typeof(T).Name} was published; published: {string.Join(", ", Harness.Published.Select<object>().Select(p => p.MessageType.Name))}");
    }

    /// <summary>
    /// Moves time on by <paramref name="step"/> until the broker has taken a matching T (bounded). The agent's timers
    /// start on its own threads: each step gives them a moment to take what the last one set off.
    /// </summary>
    private async Task AdvanceTimeUntilDelivered<T>(Func<T, bool> match, TimeSpan step) where T : class
    {
        for (var steps = 0; !Delivered().OfType<T>().Any(match); steps++)
        {
            if (steps == 200)
                throw new TimeoutException($"No matching {typeof(T).Name} was delivered; delivered: {string.Join(", ", Delivered().Select(f => f.GetType().Name))}");
            _clock.Advance(step);
            await Task.Delay(10);
        }
    }

    /// <summary>The messages the broker took, in the order it took them.</summary>
    private IReadOnlyList<object> Delivered() =>
        Harness.Published.Select<object>().Where(p => p.Exception is null).Select(p => p.MessageObject).ToList();

    [Fact]
    public async Task A_report_whose_command_was_cancelled_is_still_delivered()
    {
        var command = Learner();
        _broker.Cut(typeof(ImagePulled), typeof(ActorStarted));
        using var consume = new CancellationTokenSource();

        var deploy = _agent.Deploy(command, Harness.Bus, consume.Token);
        await _broker.Held;
        // The link is down, so the command's channel is dead: MassTransit cancels its consume at once.
        await consume.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => deploy);
        _broker.Restore();
        // What was held on the dead link is given up at the attempt's timeout and tried again.
        await AdvanceTimeUntilDelivered<ActorStarted>(s => s.ActorId == command.Actor.ActorId, ActorReportOutbox.AttemptTimeout);
        await Harness.InactivityTask;

        var facts = Delivered().Where(f => f is ImagePulled p && p.ActorId == command.Actor.ActorId || f is ActorStarted s && s.ActorId == command.Actor.ActorId);
        Assert.Equal([nameof(ImagePulled), nameof(ActorStarted)], facts.Select(f => f.GetType().Name));
        Assert.Equal(1, _runtime.Starts);
    }

    [Fact]
    public async Task A_report_whose_publish_hangs_without_heeding_its_cancellation_is_tried_again_after_the_attempt_timeout()
    {
        var (bus, deaf) = DeafPublishes.Over(Harness.Bus, typeof(ImagePulled));
        var agent = Agent(() => bus);
        await agent.Reports.StartAsync(CancellationToken.None);
        try
        {
            var command = Learner();

            var deploy = agent.Deploy(command, Harness.Bus, CancellationToken.None);
            await deaf.Held;
            await AdvanceTimeUntilDelivered<ActorStarted>(s => s.ActorId == command.Actor.ActorId, ActorReportOutbox.AttemptTimeout);
            await deploy;

            var facts = Delivered().Where(f => f is ImagePulled p && p.ActorId == command.Actor.ActorId || f is ActorStarted s && s.ActorId == command.Actor.ActorId);
            Assert.Equal([nameof(ImagePulled), nameof(ActorStarted)], facts.Select(f => f.GetType().Name));
        }
        finally
        {
            // Bounded: had the hung attempt not been left behind, the outbox could not stop either.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await agent.Reports.StopAsync(patience.Token);
            await agent.DisposeAsync();
        }
    }

    [Fact]
    public async Task Heartbeats_the_broker_does_not_take_in_time_are_missed_and_after_three_the_node_asks_which_of_its_actors_were_retired()
    {
        await _agent.Reconcile(CancellationToken.None);
        await _agent.Deploy(Learner(), Harness.Bus, CancellationToken.None);
        _broker.Cut(typeof(NodeRegistered), typeof(NodeHeartbeat));
        var heartbeats = new NodeHeartbeatService(_agent, Harness.Bus, _clock, NullLogger<NodeHeartbeatService>.Instance);

        await heartbeats.StartAsync(CancellationToken.None);
        try
        {
            await _broker.Held;
            await AdvanceTimeUntilDelivered<GetRetiredActors>(r => r.NodeId == Node, 2 * new AgentOptions().HeartbeatInterval);
        }
        finally
        {
            await heartbeats.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_pull_under_way_is_reported_with_its_bytes_every_progress_interval_and_ends_with_the_bytes_pulled()
    {
        var command = Learner();
        _runtime.PendingPull = new TaskCompletionSource<PullResult>();
        _runtime.Progress = new PullProgress(120_000_000, 300_000_000);

        var deploy = _agent.Deploy(command, Harness.Bus, CancellationToken.None);
        await _runtime.PullBegan.Task;
        // The agent's wait for the next report may start a moment after the pull: move time on until the report comes.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (!await Published<ImagePulling>(p => p.ActorId == command.Actor.ActorId) && DateTimeOffset.UtcNow < deadline)
            _clock.Advance(new AgentOptions().PullProgressInterval);
        _runtime.PendingPull.SetResult(new PullResult("sha256:fake", AlreadyCached: false, BytesPulled: 300_000_000));
        await deploy;

        var progress = Harness.Published.Select<ImagePulling>().Select(p => p.Context.Message).First(p => p.ActorId == command.Actor.ActorId);
        Assert.Equal((Node, 120_000_000L, 300_000_000L), (progress.NodeId, progress.BytesPulled, progress.BytesTotal));
        // The same bytes are not reported twice.
        Assert.Single(Harness.Published.Select<ImagePulling>());
        await PublishedWithin<ImagePulled>(p => p.ActorId == command.Actor.ActorId && p.BytesPulled == 300_000_000);
    }

    [Fact]
    public async Task A_duplicate_command_that_arrives_during_the_deployment_starts_nothing_more_and_reports_the_same_container()
    {
        var command = Learner();
        _runtime.PendingPull = new TaskCompletionSource<PullResult>();

        var first = _agent.Deploy(command, Harness.Bus, CancellationToken.None);
        await _runtime.PullBegan.Task;
        var second = _agent.Deploy(command, Harness.Bus, CancellationToken.None);
        _runtime.PendingPull.SetResult(new PullResult("sha256:fake", AlreadyCached: true));
        await Task.WhenAll(first, second);

        Assert.Equal(1, _runtime.Starts);
        Assert.Equal(1, _runtime.Pulls);
        // The duplicate may be a redelivery whose first report the broker lost: it reports the actor again, as it is.
        Assert.Single(Harness.Published.Select<ActorStarted>().Select(p => p.Context.Message.ContainerId).Distinct());
    }

    [Fact]
    public async Task A_repeated_command_for_a_running_actor_reports_again_what_its_output_told()
    {
        var command = Learner();
        _runtime.Output[$"id-{ActorProtocol.ContainerName(command.Actor.ActorId)}"] = ([@"FLOPS-EVENT {""event"":""data-fetched"",""samples"":600}", @"FLOPS-EVENT {""event"":""aggregator-connected""}"], null);
        await _agent.Deploy(command, Harness.Bus, CancellationToken.None);
        await PublishedWithin<AggregatorConnected>(c => c.ActorId == command.Actor.ActorId);

        await _agent.Deploy(command, Harness.Bus, CancellationToken.None);

        Assert.Equal(2, Harness.Published.Select<ActorStarted>().Count(p => p.Context.Message.ActorId == command.Actor.ActorId));
        Assert.Equal(2, Harness.Published.Select<DataFetched>().Count(p => p.Context.Message.ActorId == command.Actor.ActorId));
        Assert.Equal(2, Harness.Published.Select<AggregatorConnected>().Count(p => p.Context.Message.ActorId == command.Actor.ActorId));
        Assert.Equal(1, _runtime.Starts);
    }

    [Fact]
    public async Task A_command_for_another_node_is_refused_before_anything_is_pulled()
    {
        var command = Learner(node: "node-8");

        await _agent.Deploy(command, Harness.Bus, CancellationToken.None);

        Assert.True(await Published<ActorFailed>(f => f.ActorId == command.Actor.ActorId && f.Reason.Contains("refused")));
        Assert.Equal(0, _runtime.Pulls);
    }

    [Fact]
    public async Task An_image_from_a_registry_not_allowed_is_refused_at_pull_without_asking_the_runtime()
    {
        var command = Learner(image: "registry.example.com/flops/sample-learner:1");

        await _agent.Deploy(command, Harness.Bus, CancellationToken.None);

        Assert.True(await Published<ActorFailed>(f => f.ActorId == command.Actor.ActorId && f.Stage == FailureStages.Pull
                                                      && f.Reason.Contains("registry.example.com") && f.Reason.Contains("does not allow")));
        Assert.Equal(0, _runtime.Pulls);
    }

    [Fact]
    public async Task A_removal_during_the_pull_calls_the_deployment_off()
    {
        var command = Learner();
        _runtime.PendingPull = new TaskCompletionSource<PullResult>();

        var deployment = _agent.Deploy(command, Harness.Bus, CancellationToken.None);
        await _runtime.PullBegan.Task;
        await _agent.Remove(new RemoveActor { ProjectId = command.Actor.ProjectId, ActorId = command.Actor.ActorId, NodeId = Node, Reason = "torn down" }, CancellationToken.None);
        await deployment;

        Assert.Equal(0, _runtime.Starts);
        Assert.Equal([ActorProtocol.ContainerName(command.Actor.ActorId)], _runtime.Removed);
        Assert.True(await Published<ActorRemoved>(r => r.ActorId == command.Actor.ActorId));
        Assert.False(await Published<ActorFailed>(f => f.ActorId == command.Actor.ActorId));
    }

    [Fact]
    public async Task A_DeployActor_that_comes_after_its_RemoveActor_starts_nothing()
    {
        var command = Learner();

        await _agent.Remove(new RemoveActor { ProjectId = command.Actor.ProjectId, ActorId = command.Actor.ActorId, NodeId = Node, Reason = "cancelled" }, CancellationToken.None);
        await _agent.Deploy(command, Harness.Bus, CancellationToken.None);

        Assert.Equal((0, 0), (_runtime.Pulls, _runtime.Starts));
        Assert.Empty((await _agent.Snapshot(CancellationToken.None)).Actors);
        Assert.False(await Harness.Published.Any<ActorStarted>());
    }

    [Fact]
    public async Task An_actor_s_gate_is_let_go_once_its_deployment_and_removal_are_done()
    {
        var command = Learner();

        await Task.WhenAll(_agent.Deploy(command, Harness.Bus, CancellationToken.None), _agent.Deploy(command, Harness.Bus, CancellationToken.None));
        await _agent.Remove(new RemoveActor { ProjectId = command.Actor.ProjectId, ActorId = command.Actor.ActorId, NodeId = Node, Reason = "done" }, CancellationToken.None);

        Assert.Equal((1, 0), (_runtime.Starts, _agent.GatesInUse));
    }

    [Fact]
    public async Task Removing_an_actor_the_node_never_had_is_not_an_error()
    {
        var actorId = Guid.NewGuid();

        await _agent.Remove(new RemoveActor { ProjectId = Guid.NewGuid(), ActorId = actorId, NodeId = Node, Reason = "again" }, CancellationToken.None);

        Assert.True(await Published<ActorRemoved>(r => r.ActorId == actorId));
    }

    [Fact]
    public async Task An_actor_that_exits_is_reported_with_its_code_and_last_lines()
    {
        var command = Learner();
        _runtime.Output[$"id-{ActorProtocol.ContainerName(command.Actor.ActorId)}"] = (["reading mnist", """FLOPS-EVENT {"event":"failed","reason":"no data"}"""], 2);

        await _agent.Deploy(command, Harness.Bus, CancellationToken.None);

        Assert.True(await Published<ActorFailed>(f => f.ActorId == command.Actor.ActorId && f.Stage == FailureStages.Exited && f.ExitCode == 2
                                                      && f.Reason.Contains("reading mnist")));
        Assert.True(await Published<ActorFailed>(f => f.ActorId == command.Actor.ActorId && f.Stage == FailureStages.Data && f.Reason == "no data"));
    }

    /// <summary>An actor the engine holds for this node when the agent starts, as the runtime finds it.</summary>
    private DeployActor FoundOnStartUp(FoundActorState state, string container, string[]? output = null, long? exitCode = null)
    {
        var actor = Learner();
        _runtime.Found.Add(new FoundActor(actor.Actor, container, DateTimeOffset.UtcNow, state));
        if (output is not null) _runtime.Output[container] = (output, exitCode);
        return actor;
    }

    [Fact]
    public async Task On_start_up_a_running_actor_is_taken_back_and_reported_from_its_first_line()
    {
        var running = FoundOnStartUp(FoundActorState.Running, "c-running",
            [@"FLOPS-EVENT {""event"":""data-fetched"",""samples"":600}", @"FLOPS-EVENT {""event"":""aggregator-connected""}"]);

        await _agent.TakeBack(CancellationToken.None);
        await _agent.Reconcile(CancellationToken.None);

        await PublishedWithin<ActorStarted>(s => s.ActorId == running.Actor.ActorId && s.ContainerId == "c-running");
        await PublishedWithin<DataFetched>(d => d.ActorId == running.Actor.ActorId && d.Samples == 600);
        await PublishedWithin<AggregatorConnected>(c => c.ActorId == running.Actor.ActorId);
        Assert.Empty(_runtime.Removed);
    }

    [Fact]
    public async Task On_start_up_an_actor_that_exited_meanwhile_is_reported_failed_with_its_exit_code_and_then_removed()
    {
        var exited = FoundOnStartUp(FoundActorState.Exited, "c-exited", ["aggregator 127.0.0.1:41000 unreachable"], exitCode: 3);

        await _agent.TakeBack(CancellationToken.None);
        await _agent.Reconcile(CancellationToken.None);

        await PublishedWithin<ActorFailed>(f => f.ActorId == exited.Actor.ActorId && f.Stage == FailureStages.Exited && f.ExitCode == 3);
        Assert.False(await Published<ActorStarted>(s => s.ActorId == exited.Actor.ActorId));
        // Removed once reported: the report is seen first.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!_runtime.Removed.Contains(ActorProtocol.ContainerName(exited.Actor.ActorId)))
            await Task.Delay(10, patience.Token);
    }

    [Fact]
    public async Task On_start_up_a_container_that_never_started_is_removed_and_holds_no_capacity()
    {
        FoundOnStartUp(FoundActorState.Running, "c-running");
        var neverStarted = FoundOnStartUp(FoundActorState.NeverStarted, "c-created");

        await _agent.TakeBack(CancellationToken.None);

        Assert.Equal([ActorProtocol.ContainerName(neverStarted.Actor.ActorId)], _runtime.Removed);
        Assert.Equal(4000 - 500, (await _agent.Snapshot(CancellationToken.None)).Free.CpuMillis);
    }

    [Fact]
    public async Task A_DeployActor_for_an_actor_taken_back_on_start_up_neither_pulls_nor_starts_it_again()
    {
        var running = FoundOnStartUp(FoundActorState.Running, "c-running");
        await _agent.TakeBack(CancellationToken.None);
        await _agent.Reconcile(CancellationToken.None);

        await _agent.Deploy(running, Harness.Bus, CancellationToken.None);

        Assert.Equal(0, _runtime.Pulls);
        Assert.Equal(0, _runtime.Starts);
    }
}

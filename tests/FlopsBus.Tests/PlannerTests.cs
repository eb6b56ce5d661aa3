using FlopsBus.Contracts;
using FlopsBus.Planner;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FlopsBus.Tests;

public sealed class PlannerTests : IAsyncLifetime
{
    private readonly ServiceProvider _provider;

    public PlannerTests()
    {
        var services = new ServiceCollection();
        services.AddPlannerServices(new ConfigurationBuilder().Build());
        services.AddMassTransitTestHarness(x =>
        {
            // Generous: on two busy cores a consumer may wait a while for a thread, and the harness reads a quiet bus as done.
            x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(3));
            x.AddPlanner();
        });
        _provider = services.BuildServiceProvider(true);
    }

    private ITestHarness Harness => _provider.GetRequiredService<ITestHarness>();
    public Task InitializeAsync() => Harness.Start();
    public async Task DisposeAsync() => await _provider.DisposeAsync();

    private async Task RegisterNodes()
    {
        string[] ids = ["plain", "learner-a", "learner-b"];
        foreach (var id in ids)
            await Harness.Bus.Publish(new NodeRegistered
            {
                Node = new NodeSnapshot
                {
                    NodeId = id, Address = "127.0.0.1", AddOns = id.StartsWith("learner") ? [NodeAddOns.FlopsLearner] : [],
                    Capacity = new ActorResources { CpuMillis = 4000, MemoryMb = 4096 }, PortRangeStart = 41000, PortRangeEnd = 41010,
                }
            });
        var registry = _provider.GetRequiredService<NodeRegistry>();
        Assert.True(await Harness.Consumed.Any<NodeRegistered>(x => x.Context.Message.Node.NodeId == "learner-b"));
        Assert.Equal(3, registry.LiveNodes().Count);
    }

    private static ProjectSubmitted Project() => new()
    {
        ProjectId = Guid.NewGuid(), CustomerId = "c",
        AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1", LearnerImage = "127.0.0.1:5000/flops/sample-learner:1",
        Learners = 2, DataTags = ["mnist"],
    };

    [Fact]
    public async Task A_submission_with_zero_learners_is_rejected_naming_the_field()
    {
        var project = Project() with { Learners = 0 };
        await Harness.Bus.Publish(project);

        Assert.True(await Harness.Published.Any<ProjectRejected>(x =>
            x.Context.Message.ProjectId == project.ProjectId && x.Context.Message.Reason.StartsWith("learners must be between 1")));
        Assert.False(await Harness.Sent.Any<DeployActor>());
    }

    [Fact]
    public async Task A_placed_project_sends_one_DeployActor_to_each_chosen_node()
    {
        await RegisterNodes();
        var project = Project();
        await Harness.Bus.Publish(project);

        Assert.True(await Harness.Published.Any<ProjectPlaced>(x => x.Context.Message.ProjectId == project.ProjectId),
            "published instead: " + string.Join(", ", Harness.Published.Select<object>().Select(m => m.Context.Message)));
        var placed = Harness.Published.Select<ProjectPlaced>(x => x.Context.Message.ProjectId == project.ProjectId).Single().Context.Message;
        Assert.Equal(3, placed.Actors.Count);
        var commands = Harness.Sent.Select<DeployActor>(x => x.Context.Message.Actor.ProjectId == project.ProjectId).ToList();
        Assert.Equal(3, commands.Count);
        Assert.All(commands, c => Assert.EndsWith(EndpointNames.Agent(c.Context.Message.NodeId), c.Context.DestinationAddress!.AbsolutePath));
        var aggregator = placed.Actors.Single(a => a.Actor.Role == ActorRoles.Aggregator);
        Assert.All(commands.Where(c => c.Context.Message.Actor.Role == ActorRoles.Learner), c =>
        {
            Assert.Equal(aggregator.Endpoint, c.Context.Message.Actor.AggregatorEndpoint);
            Assert.Equal(["mnist"], c.Context.Message.Actor.DataTags);
        });
    }

    [Fact]
    public async Task A_redelivered_submission_sends_the_same_actors_again()
    {
        await RegisterNodes();
        var project = Project();
        await Harness.Bus.Publish(project);
        await Harness.Bus.Publish(project);
        await Harness.InactivityTask;

        // The project's three actors and the customer's tracking server, each sent twice to the same node.
        var commands = Harness.Sent.Select<DeployActor>().Select(c => (c.Context.Message.Actor.ActorId, c.Context.Message.NodeId)).ToList();
        Assert.Equal(8, commands.Count);
        Assert.Equal(4, commands.Distinct().Count());
    }

    [Fact]
    public async Task A_customers_tracking_server_is_announced_and_sent_before_the_aggregator_that_logs_to_it()
    {
        await RegisterNodes();
        var first = Project();
        var second = Project();
        await Harness.Bus.Publish(first);
        Assert.True(await Harness.Published.Any<ProjectPlaced>(x => x.Context.Message.ProjectId == first.ProjectId));
        await Harness.Bus.Publish(second);
        Assert.True(await Harness.Published.Any<ProjectPlaced>(x => x.Context.Message.ProjectId == second.ProjectId));
        await Harness.InactivityTask;

        var placed = Harness.Published.Select<ProjectPlaced>().Select(p => p.Context.Message).ToList();
        var observatory = Assert.Single(placed, p => p.Actors.Any(a => a.Actor.Role == ActorRoles.TrackingServer));
        var projects = placed.Where(p => p.ProjectId == first.ProjectId || p.ProjectId == second.ProjectId).ToList();
        Assert.Equal(2, projects.Count);
        Assert.All(projects, p => Assert.Equal((observatory.ProjectId, observatory.TrackingUrl), (p.ObservatoryId!.Value, p.TrackingUrl)));
        var sent = Harness.Sent.Select<DeployActor>().Select(c => c.Context.Message).ToList();
        Assert.Equal(ActorRoles.TrackingServer, sent[0].Actor.Role);
        Assert.Single(sent, c => c.Actor.Role == ActorRoles.TrackingServer);
        Assert.All(sent.Where(c => c.Actor.Role == ActorRoles.Aggregator), c => Assert.Equal(observatory.TrackingUrl, c.Actor.TrackingUrl));
    }

    [Fact]
    public async Task A_heartbeat_naming_a_snapshot_the_planner_lacks_asks_that_node_for_it_and_one_it_holds_asks_nothing()
    {
        await RegisterNodes();

        await Harness.Bus.Publish(new NodeHeartbeat { NodeId = "plain", Revision = 0 });
        await Harness.Bus.Publish(new NodeHeartbeat { NodeId = "learner-a", Revision = 42 });

        Assert.True(await Harness.Sent.Any<ReportNode>(x => x.Context.Message.NodeId == "learner-a"));
        Assert.True(await Harness.Consumed.Any<NodeHeartbeat>(x => x.Context.Message.NodeId == "plain"));
        await Harness.InactivityTask;
        var asked = Harness.Sent.Select<ReportNode>().Select(x => (x.Context.Message.NodeId, x.Context.DestinationAddress!.AbsolutePath)).ToList();
        Assert.Equal(("learner-a", "/" + EndpointNames.Agent("learner-a")), Assert.Single(asked));
    }

    [Fact]
    public async Task With_no_nodes_the_project_fails_at_once_with_a_reason_code()
    {
        var project = Project();
        await Harness.Bus.Publish(project);

        Assert.True(await Harness.Published.Any<PlacementFailed>(x =>
            x.Context.Message.ProjectId == project.ProjectId && x.Context.Message.ReasonCode == PlacementFailureCodes.NoQualifiedWorkerFound));
    }

    [Fact]
    public async Task A_node_whose_heartbeats_stop_is_announced_lost_once()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new PlannerOptions { SweepInterval = TimeSpan.FromSeconds(1) };
        var nodes = new NodeRegistry(options, clock);
        NodeSnapshot Node(string id) => new() { NodeId = id, Address = "127.0.0.1", HeartbeatInterval = TimeSpan.FromSeconds(2) };
        nodes.Observe(Node("quiet"));
        nodes.Observe(Node("chatty"));
        using var monitor = new NodeLivenessMonitor(nodes, options, Harness.Bus, clock, NullLogger<NodeLivenessMonitor>.Instance);
        await monitor.StartAsync(CancellationToken.None);

        // The monitor's timer starts on its own thread: keep time moving until the loss is announced (bounded).
        for (var second = 0; second < 300 && !Harness.Published.Select<NodeLost>().Any(); second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            nodes.Observe(Node("chatty"));
            await Task.Delay(10);
        }

        Assert.True(await Harness.Published.Any<NodeLost>(x => x.Context.Message.NodeId == "quiet"));
        await Harness.InactivityTask;
        Assert.Single(Harness.Published.Select<NodeLost>());
        Assert.Contains("grace 6 s", Harness.Published.Select<NodeLost>().Single().Context.Message.Reason);
        await monitor.StopAsync(CancellationToken.None);
    }

    /// <summary>What another planner placed, as its ProjectPlaced says: a learner that takes all of node learner-a.</summary>
    private static PlacedActor PlacedElsewhere(string nodeId, Guid? actorId = null) => new()
    {
        Actor = new ActorSpec
        {
            ProjectId = Guid.NewGuid(), ActorId = actorId ?? Guid.NewGuid(), Role = ActorRoles.Learner, Image = "127.0.0.1:5000/flops/sample-learner:1",
            Resources = new ActorResources { CpuMillis = 4000, MemoryMb = 4096 },
        },
        NodeId = nodeId,
    };

    [Fact]
    public async Task A_placement_by_another_planner_holds_its_capacity_in_this_planners_view()
    {
        await RegisterNodes();
        var placed = PlacedElsewhere("learner-a");
        await Harness.Bus.Publish(new ProjectPlaced { ProjectId = placed.Actor.ProjectId, CustomerId = "c", Actors = [placed] });
        Assert.True(await Harness.Consumed.Any<ProjectPlaced>(x => x.Context.Message.ProjectId == placed.Actor.ProjectId));

        Assert.Equal("learner-a", _provider.GetRequiredService<ReservationLedger>().Find(placed.Actor.ActorId)?.NodeId);
        var project = Project();
        await Harness.Bus.Publish(project);
        Assert.True(await Harness.Published.Any<ProjectPlaced>(x => x.Context.Message.ProjectId == project.ProjectId));
        var learners = Harness.Published.Select<ProjectPlaced>(x => x.Context.Message.ProjectId == project.ProjectId).Single()
            .Context.Message.Actors.Where(a => a.Actor.Role == ActorRoles.Learner);
        Assert.All(learners, l => Assert.Equal("learner-b", l.NodeId));
    }

    [Fact]
    public async Task A_learner_re_placed_by_another_planner_moves_its_hold_in_this_planners_view()
    {
        await RegisterNodes();
        var failed = PlacedElsewhere("learner-a");
        await Harness.Bus.Publish(new ProjectPlaced { ProjectId = failed.Actor.ProjectId, CustomerId = "c", Actors = [failed] });
        var replacement = failed with { Actor = failed.Actor with { ActorId = Guid.NewGuid() }, NodeId = "learner-b" };
        await Harness.Bus.Publish(new ActorReplaced { ProjectId = failed.Actor.ProjectId, ReplacedActorId = failed.Actor.ActorId, Replacement = replacement });
        Assert.True(await Harness.Consumed.Any<ActorReplaced>(x => x.Context.Message.ReplacedActorId == failed.Actor.ActorId));

        var ledger = _provider.GetRequiredService<ReservationLedger>();
        Assert.Null(ledger.Find(failed.Actor.ActorId));
        Assert.Equal("learner-b", ledger.Find(replacement.Actor.ActorId)?.NodeId);
    }

    [Fact]
    public void Waiting_for_a_project_to_be_placed_ends_when_a_placement_of_it_is_held()
    {
        var planner = new PlannerUnderTest(new PlannerOptions());
        planner.Observe(new NodeSnapshot
        {
            NodeId = "learner-a", Address = "127.0.0.1", AddOns = [NodeAddOns.FlopsLearner],
            Capacity = new ActorResources { CpuMillis = 4000, MemoryMb = 4096 }, PortRangeStart = 41000, PortRangeEnd = 41010,
        });
        var placed = PlacedElsewhere("learner-a");
        var waiting = planner.Ledger.Placed(placed.Actor.ProjectId);
        Assert.False(waiting.IsCompleted);

        planner.Ledger.Reserve(placed);

        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.True(planner.Ledger.Placed(placed.Actor.ProjectId).IsCompletedSuccessfully);
    }
}

using FlopsBus.Contracts;
using FlopsBus.Planner;
using Microsoft.Extensions.Time.Testing;

namespace FlopsBus.Tests;

public class NodeRegistryTests
{
    private static readonly ActorResources Half = new() { CpuMillis = 500, MemoryMb = 256 };

    private static NodeSnapshot Node(string id, bool learner, int cpu = 1000) => new()
    {
        NodeId = id, Address = "127.0.0.1", AddOns = learner ? [NodeAddOns.FlopsLearner] : [],
        Capacity = new ActorResources { CpuMillis = cpu, MemoryMb = 1024 * cpu / 1000 }, PortRangeStart = 41000, PortRangeEnd = 41001,
        HeartbeatInterval = TimeSpan.FromSeconds(5),
    };

    private static ProjectSubmitted Project(int learners = 1) => new()
    {
        ProjectId = Guid.NewGuid(), CustomerId = "c", AggregatorImage = "r/a:1", LearnerImage = "r/l:1", Learners = learners, DataTags = ["t"],
        Resources = new ProjectResources { Aggregator = Half, Learner = Half },
    };

    // Capacity and ports of projects alone: the customer's observatory has tests of its own.
    private static PlannerUnderTest Planner(TimeProvider? clock = null) => new(new PlannerOptions { TrackingImage = "" }, clock);

    [Fact]
    public void Reservations_count_against_capacity_until_released()
    {
        var planner = Planner();
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true));

        var first = planner.Place(Project());
        var second = planner.Place(Project());
        var third = planner.Place(Project());

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.Equal(PlacementFailureCodes.NoWorkerCapacity, third.FailureCode);

        foreach (var actor in first.Actors) planner.Ledger.Release(actor.Actor.ActorId);
        Assert.True(planner.Place(Project()).Succeeded);
    }

    [Fact]
    public void Actors_a_node_reports_running_count_against_its_capacity_once_whoever_placed_them()
    {
        var planner = Planner();
        ActorSpec Running(Guid actorId, int cpu) => new()
        {
            ActorId = actorId, Role = ActorRoles.Learner, Image = "r/l:1", Resources = new ActorResources { CpuMillis = cpu, MemoryMb = cpu },
        };
        var placedBefore = Running(Guid.NewGuid(), 300);
        int Free() => planner.Nodes.View().Single(v => v.Node.NodeId == "learner").Free.CpuMillis;

        planner.Observe(Node("plain", false, cpu: 4000));
        planner.Observe(Node("learner", true) with { Actors = [placedBefore] });
        Assert.Equal(700, Free());

        var project = planner.Place(Project() with { Resources = new ProjectResources { Aggregator = Half, Learner = new ActorResources { CpuMillis = 200, MemoryMb = 200 } } });
        var learner = project.Actors.Single(c => c.Actor.Role == ActorRoles.Learner);
        Assert.Equal(500, Free());
        planner.Observe(Node("learner", true) with { Actors = [placedBefore, learner.Actor] });
        Assert.Equal(500, Free());

        // Removed: given back at once. A report taken before the removal counts it again, the next one drops it for good.
        planner.Ledger.Release(learner.Actor.ActorId);
        Assert.Equal(700, Free());
        planner.Observe(Node("learner", true) with { Actors = [placedBefore, learner.Actor] });
        Assert.Equal(500, Free());
        planner.Observe(Node("learner", true) with { Actors = [placedBefore] });
        Assert.Equal(700, Free());
    }

    [Fact]
    public void A_planner_that_hears_from_no_node_declares_none_lost_and_gives_every_node_the_reconnect_grace_once_it_hears()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var planner = Planner(clock);
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true));

        // Cut off from the bus for 40 s (grace 15 s): silence from everyone is no evidence against anyone.
        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Empty(planner.Nodes.Sweep());

        // Back on the bus: the first node heard; the other has the reconnect grace (60 s) from now, and is lost only
        // once that has run out.
        planner.Observe(Node("plain", false));
        Assert.Empty(planner.Nodes.Sweep());
        for (var second = 0; second < 60; second += 5)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            planner.Observe(Node("plain", false));
            Assert.Empty(planner.Nodes.Sweep());
        }
        clock.Advance(TimeSpan.FromSeconds(1));
        planner.Observe(Node("plain", false));
        Assert.Equal("learner", Assert.Single(planner.Nodes.Sweep()).NodeId);
    }

    [Fact]
    public void A_node_that_reconnects_within_the_reconnect_grace_after_an_outage_is_never_lost()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var planner = Planner(clock);
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true));

        clock.Advance(TimeSpan.FromSeconds(40));
        planner.Observe(Node("plain", false));
        clock.Advance(TimeSpan.FromSeconds(25));
        planner.Observe(Node("plain", false));
        Assert.Empty(planner.Nodes.Sweep());
        Assert.False(planner.Observe(Node("learner", true)));

        // Then silent again while the planner hears the others: the ordinary grace (15 s) applies.
        for (var second = 0; second < 16; second += 4)
        {
            clock.Advance(TimeSpan.FromSeconds(4));
            planner.Observe(Node("plain", false));
        }
        Assert.Equal("learner", Assert.Single(planner.Nodes.Sweep()).NodeId);
    }

    [Fact]
    public void A_heartbeat_naming_the_revision_held_keeps_the_node_live_without_its_snapshot()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var planner = Planner(clock);
        planner.Observe(Node("plain", false) with { Revision = 7 });
        planner.Observe(Node("learner", true) with { Revision = 3 });

        for (var second = 0; second < 30; second += 5)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            Assert.True(planner.Nodes.Heard("plain", 7));
            Assert.True(planner.Nodes.Heard("learner", 3));
        }

        Assert.Empty(planner.Nodes.Sweep());
        Assert.All(planner.Nodes.View(), view => Assert.Equal(clock.GetUtcNow(), view.LastSeen));
    }

    [Fact]
    public void A_heartbeat_naming_another_revision_or_an_unknown_node_is_not_taken_for_the_snapshot()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var planner = Planner(clock);
        planner.Observe(Node("plain", false) with { Revision = 7 });

        Assert.False(planner.Nodes.Heard("plain", 8));
        Assert.False(planner.Nodes.Heard("stranger", 1));
        Assert.DoesNotContain(planner.Nodes.View(), view => view.Node.NodeId == "stranger");

        // Lost meanwhile (the planner hears another node): its heartbeat alone does not bring it back, its snapshot must.
        for (var second = 0; second < 16; second += 4)
        {
            clock.Advance(TimeSpan.FromSeconds(4));
            Assert.False(planner.Nodes.Heard("stranger", 1));
        }
        Assert.Equal("plain", Assert.Single(planner.Nodes.Sweep()).NodeId);
        Assert.False(planner.Nodes.Heard("plain", 7));
        Assert.Empty(planner.Nodes.LiveNodes());
        Assert.True(planner.Observe(Node("plain", false) with { Revision = 7 }));
    }

    [Fact]
    public void A_planner_that_just_started_waits_for_the_snapshot_of_a_node_heard_by_revision_only()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var planner = Planner(clock);
        planner.Observe(Node("plain", false));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(planner.Nodes.Heard("learner", 3));
        Assert.True(planner.Nodes.UntilSettled() > TimeSpan.Zero);

        planner.Observe(Node("learner", true) with { Revision = 3 });
        Assert.Equal(TimeSpan.Zero, planner.Nodes.UntilSettled());
    }

    [Fact]
    public void A_planner_that_just_started_settles_for_the_longest_heartbeat_interval_its_nodes_announce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var planner = Planner(clock);
        Assert.Equal(TimeSpan.Zero, planner.Nodes.UntilSettled());

        clock.Advance(TimeSpan.FromSeconds(1));
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true) with { HeartbeatInterval = TimeSpan.FromSeconds(8) });
        Assert.Equal(TimeSpan.FromSeconds(7), planner.Nodes.UntilSettled());

        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.Zero, planner.Nodes.UntilSettled());
    }

    [Fact]
    public void A_failed_project_gives_back_everything_it_held()
    {
        var planner = Planner();
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true));
        var failed = Project();
        planner.Place(failed);
        planner.Place(Project());

        planner.Ledger.ReleaseProject(failed.ProjectId);

        Assert.True(planner.Place(Project()).Succeeded);
    }

    [Fact]
    public void Concurrent_submissions_never_over_commit_a_node()
    {
        var planner = Planner();
        for (var i = 0; i < 20; i++) planner.Observe(Node($"n{i}", learner: i % 2 == 0, cpu: 2000) with { PortRangeEnd = 41099 });

        var decisions = new System.Collections.Concurrent.ConcurrentBag<PlacementDecision>();
        Parallel.For(0, 200, _ => decisions.Add(planner.Place(Project(learners: 3))));

        var placed = decisions.Where(d => d.Succeeded).SelectMany(d => d.Actors).ToList();
        Assert.NotEmpty(placed);
        Assert.Contains(decisions, d => d.FailureCode == PlacementFailureCodes.NoWorkerCapacity);
        Assert.All(placed.GroupBy(c => c.NodeId), g => Assert.True(g.Sum(c => c.Actor.Resources.CpuMillis) <= 2000, $"{g.Key} over-committed"));
        Assert.All(planner.Nodes.LiveNodes(), n => Assert.True(placed.Where(c => c.NodeId == n.NodeId && c.Actor.ListenPort is not null)
            .GroupBy(c => c.Actor.ListenPort).All(p => p.Count() == 1), $"{n.NodeId} handed out a port twice"));
    }

    [Fact]
    public void Aggregators_get_distinct_ports_and_a_full_range_moves_them_on()
    {
        var planner = Planner();
        planner.Observe(Node("plain", false, cpu: 8000));
        planner.Observe(Node("learner", true, cpu: 8000) with { PortRangeStart = 41002, PortRangeEnd = 41003 });

        var endpoints = Enumerable.Range(0, 3).Select(_ => planner.Place(Project()).Actors[1].Actor.AggregatorEndpoint).ToList();

        Assert.Equal(["127.0.0.1:41000", "127.0.0.1:41001", "127.0.0.1:41002"], endpoints);
    }

    [Fact]
    public void Ports_a_node_reports_in_use_are_not_handed_out()
    {
        var planner = Planner();
        var listening = new ActorSpec { ActorId = Guid.NewGuid(), Role = ActorRoles.Aggregator, Image = "r/a:1", ListenPort = 41000 };
        planner.Observe(Node("plain", false) with { Actors = [listening] });
        planner.Observe(Node("learner", true) with { PortRangeStart = 41002, PortRangeEnd = 41003 });

        Assert.Equal(41001, planner.Place(Project()).Actors[0].Actor.ListenPort);
    }

    [Fact]
    public void A_repeated_submission_gets_the_same_placement()
    {
        var planner = Planner();
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true));
        var project = Project();

        var first = planner.Place(project);
        var again = planner.Place(project);

        Assert.True(again.Repeated);
        Assert.Equal(first.Actors, again.Actors);
    }

    [Fact]
    public void A_node_silent_past_three_heartbeats_is_lost_and_not_placed_on_until_it_returns()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var planner = Planner(clock);
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true));

        clock.Advance(TimeSpan.FromSeconds(14));
        planner.Observe(Node("plain", false));
        Assert.Empty(planner.Nodes.Sweep());
        clock.Advance(TimeSpan.FromSeconds(2));
        planner.Observe(Node("plain", false));

        var lost = Assert.Single(planner.Nodes.Sweep());
        Assert.Equal("learner", lost.NodeId);
        Assert.Empty(planner.Nodes.Sweep());
        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, planner.Place(Project()).FailureCode);

        Assert.True(planner.Observe(Node("learner", true)));
        Assert.True(planner.Place(Project()).Succeeded);
    }

    [Fact]
    public void A_failed_learner_is_re_placed_on_another_node_under_a_new_id_once()
    {
        var planner = Planner();
        planner.Observe(Node("plain", false));
        planner.Observe(Node("l1", true));
        planner.Observe(Node("l2", true));
        var project = Project();
        var learner = planner.Place(project).Actors.Single(c => c.Actor.Role == ActorRoles.Learner);
        var replace = new ReplaceActor { Actor = learner.Actor, FailedNodeId = learner.NodeId, Reason = "crashed" };

        var moved = planner.Replace(replace);
        var again = planner.Replace(replace);

        var command = Assert.Single(moved.Actors);
        Assert.NotEqual(learner.NodeId, command.NodeId);
        Assert.NotEqual(learner.Actor.ActorId, command.Actor.ActorId);
        Assert.Equal((learner.Actor.Instance, learner.Actor.AggregatorEndpoint), (command.Actor.Instance, command.Actor.AggregatorEndpoint));
        Assert.True(again.Repeated);
        Assert.Equal(command, Assert.Single(again.Actors));
    }

    [Fact]
    public void A_restarted_planner_re_places_a_learner_from_the_spec_alone_and_counts_what_its_nodes_report()
    {
        var before = Planner();
        foreach (var (id, learns) in new[] { ("plain", false), ("l1", true), ("l2", true) })
            before.Observe(Node(id, learns));
        var project = Project() with { DataTags = ["mnist"] };
        var placed = before.Place(project).Actors;
        var learner = placed.Single(c => c.Actor.Role == ActorRoles.Learner);

        var planner = Planner();
        foreach (var (id, learns) in new[] { ("plain", false), ("l1", true), ("l2", true) })
            planner.Observe(Node(id, learns) with { Actors = PlannerUnderTest.On(placed, id) });
        Assert.Equal(placed.Select(p => p.Actor.ActorId).Order(), planner.Ledger.Project(project.ProjectId).Select(p => p.Actor.ActorId).Order());
        var moved = planner.Replace(new ReplaceActor { Actor = learner.Actor, FailedNodeId = learner.NodeId, Reason = "crashed" });

        var command = Assert.Single(moved.Actors);
        Assert.NotEqual(learner.NodeId, command.NodeId);
        Assert.Equal(learner.Actor with { ActorId = command.Actor.ActorId }, command.Actor);
        Assert.NotEqual(learner.Actor.ActorId, command.Actor.ActorId);
    }

    [Fact]
    public void An_aggregator_is_not_re_placed()
    {
        var planner = Planner();
        planner.Observe(Node("plain", false));
        planner.Observe(Node("learner", true));
        var project = Project();
        var aggregator = planner.Place(project).Actors[0];

        var decision = planner.Replace(new ReplaceActor { Actor = aggregator.Actor, FailedNodeId = aggregator.NodeId, Reason = "x" });

        Assert.Equal(PlacementFailureCodes.NotReplaceable, decision.FailureCode);
    }

    [Fact]
    public void Hierarchical_commands_chain_learners_to_their_cluster_aggregator_and_those_to_the_root()
    {
        var planner = Planner();
        planner.Observe(Node("a1", true, cpu: 4000) with { Cluster = "a", PortRangeStart = 41000, PortRangeEnd = 41009 });
        planner.Observe(Node("b1", true, cpu: 4000) with { Cluster = "b", PortRangeStart = 41010, PortRangeEnd = 41019 });

        var commands = planner.Place(Project(learners: 2) with { Mode = ProjectModes.Hierarchical }).Actors;

        var root = commands.Single(c => c.Actor.Role == ActorRoles.RootAggregator);
        var rootEndpoint = $"127.0.0.1:{root.Actor.ListenPort}";
        Assert.Equal(2, root.Actor.MinLearners);
        var clusterAggregators = commands.Where(c => c.Actor.Role == ActorRoles.ClusterAggregator).ToList();
        Assert.All(clusterAggregators, c => Assert.Equal(rootEndpoint, c.Actor.AggregatorEndpoint));
        Assert.All(commands.Where(c => c.Actor.Role == ActorRoles.Learner), l =>
        {
            var own = clusterAggregators.Single(c => c.NodeId == l.NodeId);
            Assert.Equal($"127.0.0.1:{own.Actor.ListenPort}", l.Actor.AggregatorEndpoint);
        });
    }
}

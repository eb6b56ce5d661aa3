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

    private static (NodeRegistry Nodes, ProjectPlacements Placements) Planner(TimeProvider? clock = null)
    {
        // Capacity and ports of projects alone: the customer's observatory has tests of its own.
        var options = new PlannerOptions { TrackingImage = "" };
        var nodes = new NodeRegistry(options, clock ?? TimeProvider.System);
        return (nodes, new ProjectPlacements(nodes, options));
    }

    [Fact]
    public void Reservations_count_against_capacity_until_released()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("plain", false));
        nodes.Observe(Node("learner", true));

        var first = placements.Place(Project());
        var second = placements.Place(Project());
        var third = placements.Place(Project());

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.Equal(PlacementFailureCodes.NoWorkerCapacity, third.FailureCode);

        foreach (var actor in first.Commands) placements.ReleaseActor(actor.ActorId);
        Assert.True(placements.Place(Project()).Succeeded);
    }

    [Fact]
    public void Actors_a_node_reports_running_count_against_its_capacity_once_whoever_placed_them()
    {
        var (nodes, placements) = Planner();
        HostedActor Running(Guid actorId, int cpu) => new()
        {
            ActorId = actorId, Role = ActorRoles.Learner, Image = "r/l:1", Resources = new ActorResources { CpuMillis = cpu, MemoryMb = cpu },
        };
        var placedBefore = Running(Guid.NewGuid(), 300);
        int Free() => nodes.View().Single(v => v.Node.NodeId == "learner").Free.CpuMillis;

        nodes.Observe(Node("plain", false, cpu: 4000));
        nodes.Observe(Node("learner", true) with { Actors = [placedBefore] });
        Assert.Equal(700, Free());

        var project = placements.Place(Project() with { Resources = new ProjectResources { Aggregator = Half, Learner = new ActorResources { CpuMillis = 200, MemoryMb = 200 } } });
        var learner = project.Commands.Single(c => c.Role == ActorRoles.Learner);
        Assert.Equal(500, Free());
        nodes.Observe(Node("learner", true) with { Actors = [placedBefore, Running(learner.ActorId, 200)] });
        Assert.Equal(500, Free());

        placements.ReleaseActor(learner.ActorId);
        Assert.Equal(500, Free());
        nodes.Observe(Node("learner", true) with { Actors = [placedBefore] });
        Assert.Equal(700, Free());
    }

    [Fact]
    public void A_planner_that_just_started_settles_for_the_longest_heartbeat_interval_its_nodes_announce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (nodes, _) = Planner(clock);
        Assert.Equal(TimeSpan.Zero, nodes.UntilSettled());

        clock.Advance(TimeSpan.FromSeconds(1));
        nodes.Observe(Node("plain", false));
        nodes.Observe(Node("learner", true) with { HeartbeatInterval = TimeSpan.FromSeconds(8) });
        Assert.Equal(TimeSpan.FromSeconds(7), nodes.UntilSettled());

        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.Zero, nodes.UntilSettled());
    }

    [Fact]
    public void A_failed_project_gives_back_everything_it_held()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("plain", false));
        nodes.Observe(Node("learner", true));
        var failed = Project();
        placements.Place(failed);
        placements.Place(Project());

        placements.ReleaseProject(failed.ProjectId);

        Assert.True(placements.Place(Project()).Succeeded);
    }

    [Fact]
    public void Concurrent_submissions_never_over_commit_a_node()
    {
        var (nodes, placements) = Planner();
        for (var i = 0; i < 20; i++) nodes.Observe(Node($"n{i}", learner: i % 2 == 0, cpu: 2000) with { PortRangeEnd = 41099 });

        var decisions = new System.Collections.Concurrent.ConcurrentBag<PlacementDecision>();
        Parallel.For(0, 200, _ => decisions.Add(placements.Place(Project(learners: 3))));

        var placed = decisions.Where(d => d.Succeeded).SelectMany(d => d.Commands).ToList();
        Assert.NotEmpty(placed);
        Assert.Contains(decisions, d => d.FailureCode == PlacementFailureCodes.NoWorkerCapacity);
        Assert.All(placed.GroupBy(c => c.NodeId), g => Assert.True(g.Sum(c => c.Resources.CpuMillis) <= 2000, $"{g.Key} over-committed"));
        Assert.All(nodes.LiveNodes(), n => Assert.True(placed.Where(c => c.NodeId == n.NodeId && c.ListenPort is not null)
            .GroupBy(c => c.ListenPort).All(p => p.Count() == 1), $"{n.NodeId} handed out a port twice"));
    }

    [Fact]
    public void Aggregators_get_distinct_ports_and_a_full_range_moves_them_on()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("plain", false, cpu: 8000));
        nodes.Observe(Node("learner", true, cpu: 8000) with { PortRangeStart = 41002, PortRangeEnd = 41003 });

        var endpoints = Enumerable.Range(0, 3).Select(_ => placements.Place(Project()).Commands[1].AggregatorEndpoint).ToList();

        Assert.Equal(["127.0.0.1:41000", "127.0.0.1:41001", "127.0.0.1:41002"], endpoints);
    }

    [Fact]
    public void Ports_a_node_reports_in_use_are_not_handed_out()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("plain", false) with { PortsInUse = [41000] });
        nodes.Observe(Node("learner", true) with { PortRangeStart = 41002, PortRangeEnd = 41003 });

        Assert.Equal(41001, placements.Place(Project()).Commands[0].ListenPort);
    }

    [Fact]
    public void A_repeated_submission_gets_the_same_placement()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("plain", false));
        nodes.Observe(Node("learner", true));
        var project = Project();

        var first = placements.Place(project);
        var again = placements.Place(project);

        Assert.True(again.Repeated);
        Assert.Equal(first.Commands, again.Commands);
    }

    [Fact]
    public void A_node_silent_past_three_heartbeats_is_lost_and_not_placed_on_until_it_returns()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (nodes, placements) = Planner(clock);
        nodes.Observe(Node("plain", false));
        nodes.Observe(Node("learner", true));

        clock.Advance(TimeSpan.FromSeconds(14));
        nodes.Observe(Node("plain", false));
        Assert.Empty(nodes.Sweep());
        clock.Advance(TimeSpan.FromSeconds(2));
        nodes.Observe(Node("plain", false));

        var lost = Assert.Single(nodes.Sweep());
        Assert.Equal("learner", lost.NodeId);
        Assert.Empty(nodes.Sweep());
        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, placements.Place(Project()).FailureCode);

        Assert.True(nodes.Observe(Node("learner", true)));
        Assert.True(placements.Place(Project()).Succeeded);
    }

    [Fact]
    public void A_failed_learner_is_re_placed_on_another_node_under_a_new_id_once()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("plain", false));
        nodes.Observe(Node("l1", true));
        nodes.Observe(Node("l2", true));
        var project = Project();
        var learner = placements.Place(project).Commands.Single(c => c.Role == ActorRoles.Learner);
        var replace = new ReplaceActor { ProjectId = project.ProjectId, ActorId = learner.ActorId, FailedNodeId = learner.NodeId, Reason = "crashed" };

        var moved = placements.Replace(replace);
        var again = placements.Replace(replace);

        var command = Assert.Single(moved.Commands);
        Assert.NotEqual(learner.NodeId, command.NodeId);
        Assert.NotEqual(learner.ActorId, command.ActorId);
        Assert.Equal((learner.Instance, learner.AggregatorEndpoint), (command.Instance, command.AggregatorEndpoint));
        Assert.True(again.Repeated);
        Assert.Equal(command, Assert.Single(again.Commands));
    }

    [Fact]
    public void A_restarted_planner_re_places_a_learner_of_a_project_its_nodes_report()
    {
        var (before, placedBefore) = Planner();
        before.Observe(Node("plain", false));
        before.Observe(Node("l1", true));
        before.Observe(Node("l2", true));
        var project = Project() with { DataTags = ["mnist"] };
        var commands = placedBefore.Place(project).Commands;
        var learner = commands.Single(c => c.Role == ActorRoles.Learner);
        HostedActor[] On(string node) => commands.Where(c => c.NodeId == node).Select(c => new HostedActor
        {
            ProjectId = c.ProjectId, ActorId = c.ActorId, Role = c.Role, Instance = c.Instance, CustomerId = c.CustomerId, Image = c.Image,
            Resources = c.Resources, ListenPort = c.ListenPort, AggregatorEndpoint = c.AggregatorEndpoint, DataTags = c.DataTags,
        }).ToArray();

        var (nodes, placements) = Planner();
        foreach (var (id, learns) in new[] { ("plain", false), ("l1", true), ("l2", true) })
            nodes.Observe(Node(id, learns) with { Actors = On(id) });
        var moved = placements.Replace(new ReplaceActor { ProjectId = project.ProjectId, ActorId = learner.ActorId, FailedNodeId = learner.NodeId, Reason = "crashed" });

        var command = Assert.Single(moved.Commands);
        Assert.NotEqual(learner.NodeId, command.NodeId);
        Assert.NotEqual(learner.ActorId, command.ActorId);
        Assert.Equal((learner.Instance, learner.Image, learner.AggregatorEndpoint, "mnist"), (command.Instance, command.Image, command.AggregatorEndpoint, command.DataTags.Single()));
    }

    [Fact]
    public void An_aggregator_is_not_re_placed()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("plain", false));
        nodes.Observe(Node("learner", true));
        var project = Project();
        var aggregator = placements.Place(project).Commands[0];

        var decision = placements.Replace(new ReplaceActor { ProjectId = project.ProjectId, ActorId = aggregator.ActorId, FailedNodeId = aggregator.NodeId, Reason = "x" });

        Assert.Equal(PlacementFailureCodes.NotReplaceable, decision.FailureCode);
    }

    [Fact]
    public void Hierarchical_commands_chain_learners_to_their_cluster_aggregator_and_those_to_the_root()
    {
        var (nodes, placements) = Planner();
        nodes.Observe(Node("a1", true, cpu: 4000) with { Cluster = "a", PortRangeStart = 41000, PortRangeEnd = 41009 });
        nodes.Observe(Node("b1", true, cpu: 4000) with { Cluster = "b", PortRangeStart = 41010, PortRangeEnd = 41019 });

        var commands = placements.Place(Project(learners: 2) with { Mode = ProjectModes.Hierarchical }).Commands;

        var root = commands.Single(c => c.Role == ActorRoles.RootAggregator);
        var rootEndpoint = $"127.0.0.1:{root.ListenPort}";
        Assert.Equal(2, root.MinLearners);
        var clusterAggregators = commands.Where(c => c.Role == ActorRoles.ClusterAggregator).ToList();
        Assert.All(clusterAggregators, c => Assert.Equal(rootEndpoint, c.AggregatorEndpoint));
        Assert.All(commands.Where(c => c.Role == ActorRoles.Learner), l =>
        {
            var own = clusterAggregators.Single(c => c.NodeId == l.NodeId);
            Assert.Equal($"127.0.0.1:{own.ListenPort}", l.AggregatorEndpoint);
        });
    }
}

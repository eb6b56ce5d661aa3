using FlopsBus.Contracts;
using FlopsBus.Planner;

namespace FlopsBus.Tests;

public class PlacementEngineTests
{
    private static readonly ActorResources Small = new() { CpuMillis = 500, MemoryMb = 256 };

    private static NodeCandidate Node(string id, bool learner, int cpu = 4000, int memory = 8192, string[]? cached = null, int port = 41000, string cluster = "") =>
        new(new NodeSnapshot
        {
            NodeId = id, Address = "127.0.0.1", Cluster = cluster,
            AddOns = learner ? [NodeAddOns.FlopsLearner] : [],
            Capacity = new ActorResources { CpuMillis = cpu, MemoryMb = memory },
            CachedImages = cached ?? [],
            PortRangeStart = port, PortRangeEnd = port + 9,
        });

    private static PlacementRequest Request(int learners) =>
        new("127.0.0.1:5000/a:1", "127.0.0.1:5000/l:1", learners, Small, Small);

    [Fact]
    public void Learners_land_only_on_nodes_with_the_learner_add_on()
    {
        var nodes = new[] { Node("plain-1", false), Node("plain-2", false), Node("learner-1", true), Node("learner-2", true) };

        var result = PlacementEngine.Place(Request(6), new NodeIndex(nodes));

        Assert.True(result.Succeeded, result.Failure);
        Assert.All(result.Assignments.Where(a => a.Role == ActorRoles.Learner), a => Assert.StartsWith("learner-", a.NodeId));
        Assert.Equal(Enumerable.Range(0, 6), result.Assignments.Where(a => a.Role == ActorRoles.Learner).Select(a => a.Instance));
    }

    [Fact]
    public void Learners_of_a_project_spread_over_distinct_nodes_first_then_stack_by_free_capacity()
    {
        var nodes = new[] { Node("l1", true, cpu: 4000), Node("l2", true, cpu: 2000), Node("l3", true, cpu: 1000) };

        var result = PlacementEngine.Place(Request(5), new NodeIndex(nodes));

        var perNode = result.Assignments.Where(a => a.Role == ActorRoles.Learner).GroupBy(a => a.NodeId).ToDictionary(g => g.Key, g => g.Count());
        // Three distinct nodes take one each; the two left go where most is free: l1 (3500 then 3000 left) twice.
        Assert.Equal(new Dictionary<string, int> { ["l1"] = 3, ["l2"] = 1, ["l3"] = 1 }, perNode);
    }

    [Fact]
    public void The_aggregator_prefers_a_plain_worker_and_gets_a_port()
    {
        var nodes = new[] { Node("l1", true, port: 41010), Node("plain", false, port: 41020) };

        var aggregator = PlacementEngine.Place(Request(1), new NodeIndex(nodes)).Assignments.Single(a => a.Role == ActorRoles.Aggregator);

        Assert.Equal("plain", aggregator.NodeId);
        Assert.Equal(41020, aggregator.Port);
    }

    [Fact]
    public void A_node_that_holds_the_image_is_preferred_over_one_with_more_room()
    {
        var nodes = new[] { Node("plain-1", false, cpu: 8000), Node("plain-2", false, cached: ["127.0.0.1:5000/a:1"]), Node("l1", true, cpu: 8000), Node("l2", true, cached: ["127.0.0.1:5000/l:1"]) };

        var result = PlacementEngine.Place(Request(1), new NodeIndex(nodes));

        Assert.Equal("plain-2", result.Assignments.Single(a => a.Role == ActorRoles.Aggregator).NodeId);
        Assert.Equal("l2", result.Assignments.Single(a => a.Role == ActorRoles.Learner).NodeId);
    }

    [Fact]
    public void Locality_never_overrides_the_add_on_rule()
    {
        var nodes = new[] { Node("plain", false, cached: ["127.0.0.1:5000/l:1"]), Node("l1", true) };

        Assert.Equal("l1", PlacementEngine.Place(Request(1), new NodeIndex(nodes)).Assignments.Single(a => a.Role == ActorRoles.Learner).NodeId);
    }

    [Fact]
    public void Learner_nodes_are_ranked_by_what_this_decision_leaves_them()
    {
        // No plain worker: the aggregator takes 500 from l1, which then has less left than l2 and l3.
        var nodes = new[] { Node("l1", true, cpu: 4000), Node("l2", true, cpu: 3900), Node("l3", true, cpu: 3800) };

        var result = PlacementEngine.Place(Request(2), new NodeIndex(nodes));

        Assert.Equal("l1", result.Assignments.Single(a => a.Role == ActorRoles.Aggregator).NodeId);
        Assert.Equal(["l2", "l3"], result.Assignments.Where(a => a.Role == ActorRoles.Learner).Select(a => a.NodeId));
    }

    [Fact]
    public void The_only_node_that_fits_is_found_however_far_down_the_order_it_is()
    {
        // Twenty learner nodes with the most cpu but no memory left for a learner; one with little cpu that fits.
        var nodes = Enumerable.Range(0, 20).Select(i => Node($"full-{i}", true, cpu: 8000, memory: 100))
            .Append(Node("fits", true, cpu: 600, memory: 1024)).Append(Node("plain", false)).ToArray();

        var result = PlacementEngine.Place(Request(1), new NodeIndex(nodes));

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal("fits", result.Assignments.Single(a => a.Role == ActorRoles.Learner).NodeId);
    }

    [Fact]
    public void No_node_with_the_add_on_fails_at_once_with_NO_QUALIFIED_WORKER_FOUND()
    {
        var result = PlacementEngine.Place(Request(2), new NodeIndex([Node("plain-1", false), Node("plain-2", false)]));

        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, result.FailureCode);
        Assert.Contains("flops-learner", result.Failure);
        Assert.Contains("2 live nodes", result.Failure);
    }

    [Fact]
    public void No_live_node_at_all_is_NO_QUALIFIED_WORKER_FOUND() =>
        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, PlacementEngine.Place(Request(1), new NodeIndex([])).FailureCode);

    [Fact]
    public void Too_little_capacity_is_NO_WORKER_CAPACITY_with_how_much_there_is()
    {
        // Two learner nodes with room for two learners each: five do not fit.
        NodeCandidate[] Nodes() => [Node("plain", false), Node("l1", true, cpu: 1000), Node("l2", true, cpu: 1000)];

        Assert.True(PlacementEngine.Place(Request(4), new NodeIndex(Nodes())).Succeeded);
        var result = PlacementEngine.Place(Request(5), new NodeIndex(Nodes()));

        Assert.Equal(PlacementFailureCodes.NoWorkerCapacity, result.FailureCode);
        Assert.Equal("5 learners need 500 cpu millis and 256 MB each; the 2 nodes with the 'flops-learner' add-on have room for 4.", result.Failure);
    }

    [Fact]
    public void No_free_port_for_the_aggregator_is_NO_WORKER_CAPACITY()
    {
        var nodes = new[] { Node("l1", true, port: 0) };

        Assert.Equal(PlacementFailureCodes.NoWorkerCapacity, PlacementEngine.Place(Request(1), new NodeIndex(nodes)).FailureCode);
    }

    [Fact]
    public void Placing_changes_nothing_it_is_given()
    {
        var nodes = new[] { Node("plain", false), Node("l1", true) };

        PlacementEngine.Place(Request(3), new NodeIndex(nodes));

        Assert.All(nodes, n => Assert.Equal(4000, n.FreeCpuMillis));
    }

    [Fact]
    public void A_replacement_learner_avoids_the_failed_node()
    {
        var nodes = new[] { Node("l1", true, cpu: 8000), Node("l2", true) };

        var result = PlacementEngine.PlaceLearner(Request(1), new NodeIndex(nodes), excludeNodeId: "l1", cluster: null);

        Assert.Equal("l2", result.Assignments.Single().NodeId);
    }

    [Fact]
    public void A_replacement_learner_of_a_cluster_stays_in_that_cluster()
    {
        var nodes = new[] { Node("a-l1", true, cluster: "a"), Node("a-l2", true, cpu: 1000, cluster: "a"), Node("b-l1", true, cpu: 8000, cluster: "b") };

        var result = PlacementEngine.PlaceLearner(Request(1), new NodeIndex(nodes), excludeNodeId: "a-l1", cluster: "a");

        Assert.Equal("a-l2", result.Assignments.Single().NodeId);
    }

    [Fact]
    public void Hierarchical_one_root_one_cluster_aggregator_per_cluster_and_learners_kept_in_their_cluster()
    {
        var nodes = new[]
        {
            Node("a-plain", false, cluster: "a", port: 41000), Node("a-l1", true, cluster: "a", port: 41010), Node("a-l2", true, cluster: "a", port: 41020),
            Node("b-l1", true, cluster: "b", port: 41030),
        };

        var result = PlacementEngine.Place(Request(3) with { Mode = ProjectModes.Hierarchical }, new NodeIndex(nodes));

        Assert.True(result.Succeeded, result.Failure);
        Assert.Single(result.Assignments, a => a.Role == ActorRoles.RootAggregator);
        var clusterAggregators = result.Assignments.Where(a => a.Role == ActorRoles.ClusterAggregator).ToDictionary(a => a.Cluster!, a => a.NodeId);
        Assert.Equal(["a", "b"], clusterAggregators.Keys.Order());
        Assert.StartsWith("a-", clusterAggregators["a"]);
        Assert.Equal("b-l1", clusterAggregators["b"]);
        var learners = result.Assignments.Where(a => a.Role == ActorRoles.Learner).ToList();
        Assert.Equal([0, 1, 2], learners.Select(l => l.Instance));
        Assert.All(learners, l => Assert.StartsWith(l.Cluster + "-", l.NodeId));
        Assert.Equal(2, learners.Count(l => l.Cluster == "a"));
        Assert.All(result.Assignments.Where(a => a.Role != ActorRoles.Learner), a => Assert.NotNull(a.Port));
    }

    [Fact]
    public void Hierarchical_learners_never_spill_into_another_cluster()
    {
        var nodes = new[] { Node("a-l1", true, cluster: "a", port: 41000), Node("b-l1", true, cpu: 600, cluster: "b", port: 41010) };

        var result = PlacementEngine.Place(Request(2) with { Mode = ProjectModes.Hierarchical }, new NodeIndex(nodes));

        Assert.Equal(PlacementFailureCodes.NoWorkerCapacity, result.FailureCode);
        Assert.Contains("cluster 'b'", result.Failure);
    }
}

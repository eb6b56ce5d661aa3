using FlopsBus.Contracts;
using FlopsBus.Planner;

namespace FlopsBus.Tests;

public class PlacementEngineTests
{
    private static readonly ActorResources Small = new() { CpuMillis = 500, MemoryMb = 256 };

    private static NodeCandidate Node(string id, bool learner, int cpu = 4000, int memory = 8192, string[]? cached = null, int? port = 41000) =>
        new(new NodeSnapshot
        {
            NodeId = id, Address = "127.0.0.1",
            AddOns = learner ? [NodeAddOns.FlopsLearner] : [],
            Capacity = new ActorResources { CpuMillis = cpu, MemoryMb = memory },
            CachedImages = cached ?? [],
        }, cpu, memory, port);

    private static PlacementRequest Request(int learners) =>
        new(Guid.NewGuid(), "127.0.0.1:5000/a:1", "127.0.0.1:5000/l:1", learners, Small, Small);

    [Fact]
    public void Learners_land_only_on_nodes_with_the_learner_add_on()
    {
        var nodes = new[] { Node("plain-1", false), Node("plain-2", false), Node("learner-1", true), Node("learner-2", true) };

        var result = PlacementEngine.Place(Request(6), nodes);

        Assert.True(result.Succeeded, result.Failure);
        Assert.All(result.Assignments.Where(a => a.Role == ActorRoles.Learner), a => Assert.StartsWith("learner-", a.NodeId));
    }

    [Fact]
    public void Learners_of_a_project_spread_over_distinct_nodes_first()
    {
        var nodes = new[] { Node("l1", true), Node("l2", true), Node("l3", true) };

        var result = PlacementEngine.Place(Request(3), nodes);

        var learnerNodes = result.Assignments.Where(a => a.Role == ActorRoles.Learner).Select(a => a.NodeId).ToList();
        Assert.Equal(3, learnerNodes.Distinct().Count());
    }

    [Fact]
    public void The_aggregator_prefers_a_plain_worker_and_gets_a_port()
    {
        var nodes = new[] { Node("l1", true, port: 41010), Node("plain", false, port: 41020) };

        var aggregator = PlacementEngine.Place(Request(1), nodes).Assignments.Single(a => a.Role == ActorRoles.Aggregator);

        Assert.Equal("plain", aggregator.NodeId);
        Assert.Equal(41020, aggregator.Port);
    }

    [Fact]
    public void A_node_that_holds_the_image_is_preferred()
    {
        var nodes = new[] { Node("plain-1", false, cpu: 8000), Node("plain-2", false, cached: ["127.0.0.1:5000/a:1"]), Node("l", true) };

        var aggregator = PlacementEngine.Place(Request(1), nodes).Assignments.Single(a => a.Role == ActorRoles.Aggregator);

        Assert.Equal("plain-2", aggregator.NodeId);
    }

    [Fact]
    public void No_node_with_the_add_on_fails_at_once_with_NO_QUALIFIED_WORKER_FOUND()
    {
        var result = PlacementEngine.Place(Request(2), [Node("plain-1", false), Node("plain-2", false)]);

        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, result.FailureCode);
        Assert.Contains("flops-learner", result.Failure);
        Assert.Contains("2 live nodes", result.Failure);
    }

    [Fact]
    public void No_live_node_at_all_is_NO_QUALIFIED_WORKER_FOUND()
    {
        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, PlacementEngine.Place(Request(1), []).FailureCode);
    }

    [Fact]
    public void Capacity_is_never_over_committed_NO_WORKER_CAPACITY()
    {
        // Two learner nodes with room for two learners each: the fifth learner does not fit.
        var nodes = new[] { Node("plain", false), Node("l1", true, cpu: 1000), Node("l2", true, cpu: 1000) };

        Assert.True(PlacementEngine.Place(Request(4), nodes.Select(n => Node(n.Node.NodeId, n.IsLearnerNode, n.FreeCpuMillis)).ToList()).Succeeded);
        var result = PlacementEngine.Place(Request(5), nodes);

        Assert.Equal(PlacementFailureCodes.NoWorkerCapacity, result.FailureCode);
        Assert.Contains("Learner 4 of 5", result.Failure);
    }
}

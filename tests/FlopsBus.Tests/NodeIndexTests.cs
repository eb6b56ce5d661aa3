using FlopsBus.Contracts;
using FlopsBus.Planner;

namespace FlopsBus.Tests;

/// <summary>The index placement reads stays right as nodes report, and as actors hold and leave them.</summary>
public class NodeIndexTests
{
    private const string LearnerImage = "r/l:1";
    private static readonly ActorResources Half = new() { CpuMillis = 500, MemoryMb = 256 };

    private static NodeSnapshot Node(string id, bool learner, int cpu, string cluster = "default") => new()
    {
        NodeId = id, Address = "127.0.0.1", AddOns = learner ? [NodeAddOns.FlopsLearner] : [], Cluster = cluster,
        Capacity = new ActorResources { CpuMillis = cpu, MemoryMb = 8192 }, PortRangeStart = 41000, PortRangeEnd = 41009,
    };

    private static ProjectSubmitted Project(int learners = 1, string mode = ProjectModes.Classic) => new()
    {
        ProjectId = Guid.NewGuid(), CustomerId = "c", AggregatorImage = "r/a:1", LearnerImage = LearnerImage, Learners = learners,
        DataTags = ["t"], Resources = new ProjectResources { Aggregator = Half, Learner = Half }, Mode = mode,
    };

    /// <summary>A planner with a roomy plain worker for the aggregators, so learner nodes hold learners alone.</summary>
    private static PlannerUnderTest Planner(params NodeSnapshot[] learnerNodes)
    {
        var planner = new PlannerUnderTest(new PlannerOptions { TrackingImage = "" });
        planner.Observe(Node("plain", false, cpu: 100_000) with { PortRangeEnd = 41099 });
        foreach (var node in learnerNodes) planner.Observe(node);
        return planner;
    }

    private static string LearnerNode(PlacementDecision decision) => decision.Actors.Single(a => a.Actor.Role == ActorRoles.Learner).NodeId;

    // Placement walks each set from the most free cpu down and stops at the first node that cannot beat what it
    // holds: a node left where it used to be is passed over, so each test has a node that stops the walk.

    [Fact]
    public void A_node_that_reports_more_capacity_moves_up()
    {
        var planner = Planner(Node("l1", true, cpu: 1000), Node("l2", true, cpu: 2000), Node("l3", true, cpu: 1500));

        planner.Observe(Node("l1", true, cpu: 4000));

        Assert.Equal("l1", LearnerNode(planner.Place(Project())));
    }

    [Fact]
    public void What_a_project_holds_moves_its_node_down_until_it_is_given_back()
    {
        var planner = Planner(Node("l1", true, cpu: 2000), Node("l2", true, cpu: 1800), Node("l3", true, cpu: 1600));
        var placed = Enumerable.Range(0, 3).Select(_ => planner.Place(Project())).ToList();
        Assert.Equal(["l1", "l2", "l3"], placed.Select(LearnerNode));

        planner.Ledger.ReleaseProject(placed[2].Actors[0].Actor.ProjectId);

        Assert.Equal("l3", LearnerNode(planner.Place(Project())));
    }

    [Fact]
    public void Actors_a_node_reports_move_it_down()
    {
        var planner = Planner(Node("l1", true, cpu: 2000), Node("l2", true, cpu: 1900), Node("l3", true, cpu: 1600));
        ActorSpec Running(int cpu) => new()
        {
            ActorId = Guid.NewGuid(), Role = ActorRoles.Learner, Image = LearnerImage, Resources = new ActorResources { CpuMillis = cpu, MemoryMb = 1 },
        };

        planner.Observe(Node("l1", true, cpu: 2000) with { Actors = [Running(500)] });
        planner.Observe(Node("l2", true, cpu: 1900) with { Actors = [Running(1300)] });

        Assert.Equal("l3", LearnerNode(planner.Place(Project())));
    }

    [Fact]
    public void A_node_that_gains_the_learner_add_on_takes_learners_and_one_that_loses_it_takes_none()
    {
        var planner = Planner(Node("l1", true, cpu: 1000), Node("other", false, cpu: 4000));

        planner.Observe(Node("other", true, cpu: 4000));
        Assert.Equal("other", LearnerNode(planner.Place(Project())));

        planner.Observe(Node("other", false, cpu: 4000));
        Assert.Equal("l1", LearnerNode(planner.Place(Project())));
    }

    [Fact]
    public void A_node_that_reports_the_image_later_is_preferred_until_it_no_longer_holds_it()
    {
        var planner = Planner(Node("l1", true, cpu: 8000), Node("l2", true, cpu: 2000));

        planner.Observe(Node("l2", true, cpu: 2000) with { CachedImages = [LearnerImage] });
        Assert.Equal("l2", LearnerNode(planner.Place(Project())));

        planner.Observe(Node("l2", true, cpu: 2000));
        Assert.Equal("l1", LearnerNode(planner.Place(Project())));
    }

    [Fact]
    public void A_node_that_moves_to_another_cluster_takes_its_learners_there()
    {
        var planner = Planner(Node("a1", true, cpu: 4000, cluster: "a"), Node("b1", true, cpu: 4000, cluster: "b"));

        planner.Observe(Node("b1", true, cpu: 4000, cluster: "a"));

        var placed = planner.Place(Project(learners: 2, mode: ProjectModes.Hierarchical));
        Assert.True(placed.Succeeded, placed.Failure);
        Assert.Equal(["a"], placed.Actors.Where(a => a.Actor.Role == ActorRoles.ClusterAggregator).Select(a => a.Actor.Cluster));
        Assert.Equal(["a1", "b1"], placed.Actors.Where(a => a.Actor.Role == ActorRoles.Learner).Select(a => a.NodeId).Order());
    }

    [Fact]
    public void A_node_is_in_one_index_at_a_time()
    {
        var node = new NodeCandidate(Node("l1", true, cpu: 1000));
        _ = new NodeIndex([node]);

        Assert.Throws<InvalidOperationException>(() => new NodeIndex([node]));
    }
}

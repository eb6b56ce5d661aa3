using FlopsBus.Contracts;
using FlopsBus.Planner;

namespace FlopsBus.Tests;

/// <summary>A customer's observatory (its tracking server): placed with the customer's first project, reused by the later ones.</summary>
public class ObservatoryPlacementTests
{
    private const string TrackingImage = "127.0.0.1:5000/flops/sample-tracking:1";

    private static NodeSnapshot Node(string id, bool learner) => new()
    {
        NodeId = id, Address = "10.0.0." + id.Length, AddOns = learner ? [NodeAddOns.FlopsLearner] : [],
        Capacity = new ActorResources { CpuMillis = 8000, MemoryMb = 8192 }, PortRangeStart = 41000, PortRangeEnd = 41099,
        HeartbeatInterval = TimeSpan.FromSeconds(5),
    };

    private static ProjectSubmitted Project(string customer = "acme") => new()
    {
        ProjectId = Guid.NewGuid(), CustomerId = customer, AggregatorImage = "127.0.0.1:5000/a:1", LearnerImage = "127.0.0.1:5000/l:1",
        Learners = 2, DataTags = ["t"],
    };

    private static (NodeRegistry Nodes, ProjectPlacements Placements) Planner(string trackingImage = TrackingImage, bool learnerNode = true)
    {
        var options = new PlannerOptions { TrackingImage = trackingImage };
        var nodes = new NodeRegistry(options, TimeProvider.System);
        nodes.Observe(Node("plain", learner: false));
        if (learnerNode) nodes.Observe(Node("learner", learner: true));
        return (nodes, new ProjectPlacements(nodes, options));
    }

    [Fact]
    public void A_customers_first_project_places_its_tracking_server_and_the_aggregator_gets_its_url()
    {
        var (_, placements) = Planner();

        var decision = placements.Place(Project());

        var observatory = decision.Observatory!;
        Assert.True(observatory.New);
        Assert.Equal(ActorRoles.TrackingServer, observatory.Command.Role);
        Assert.Equal(observatory.ObservatoryId, observatory.Command.ProjectId);
        Assert.Equal(TrackingImage, observatory.Command.Image);
        Assert.Equal($"http://{observatory.Actor.Endpoint}", observatory.TrackingUrl);
        Assert.EndsWith($":{observatory.Command.ListenPort}", observatory.TrackingUrl);
        Assert.Equal(observatory.TrackingUrl, decision.Commands.Single(c => c.Role == ActorRoles.Aggregator).TrackingUrl);
        Assert.All(decision.Commands.Where(c => c.Role == ActorRoles.Learner), c => Assert.Null(c.TrackingUrl));
    }

    [Fact]
    public void Later_projects_of_the_customer_reuse_its_observatory()
    {
        var (_, placements) = Planner();

        var first = placements.Place(Project()).Observatory!;
        var second = placements.Place(Project()).Observatory!;

        Assert.False(second.New);
        Assert.Equal(first.ObservatoryId, second.ObservatoryId);
        Assert.Equal(first.TrackingUrl, second.TrackingUrl);
    }

    [Fact]
    public void Each_customer_gets_an_observatory_of_its_own()
    {
        var (_, placements) = Planner();

        var acme = placements.Place(Project("acme")).Observatory!;
        var globex = placements.Place(Project("globex")).Observatory!;

        Assert.True(globex.New);
        Assert.NotEqual(acme.ObservatoryId, globex.ObservatoryId);
        Assert.NotEqual(acme.TrackingUrl, globex.TrackingUrl);
    }

    [Fact]
    public void Concurrent_first_projects_of_one_customer_place_one_observatory()
    {
        var (_, placements) = Planner();

        var decisions = new System.Collections.Concurrent.ConcurrentBag<PlacementDecision>();
        Parallel.For(0, 6, _ => decisions.Add(placements.Place(Project())));

        Assert.All(decisions, d => Assert.True(d.Succeeded, d.Failure));
        Assert.Single(decisions.Select(d => d.Observatory!.ObservatoryId).Distinct());
        Assert.Single(decisions, d => d.Observatory!.New);
    }

    [Fact]
    public void An_observatory_that_failed_is_replaced_by_a_new_one_with_the_next_project()
    {
        var (_, placements) = Planner();
        var failed = placements.Place(Project()).Observatory!;

        placements.ReleaseProject(failed.ObservatoryId);
        var next = placements.Place(Project()).Observatory!;

        Assert.True(next.New);
        Assert.NotEqual(failed.ObservatoryId, next.ObservatoryId);
    }

    [Fact]
    public void A_project_that_cannot_be_placed_keeps_no_observatory()
    {
        var (nodes, placements) = Planner(learnerNode: false);

        var refused = placements.Place(Project());
        nodes.Observe(Node("learner", learner: true));
        var placed = placements.Place(Project());

        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, refused.FailureCode);
        Assert.Null(refused.Observatory);
        Assert.True(placed.Observatory!.New);
        Assert.Equal(41000, placed.Observatory.Command.ListenPort);
    }

    [Fact]
    public void A_restarted_planner_takes_back_the_tracking_server_a_node_reports_for_the_customer()
    {
        var (nodes, placements) = Planner();
        var observatoryId = Guid.NewGuid();
        var running = new HostedActor
        {
            ProjectId = observatoryId, ActorId = Guid.NewGuid(), Role = ActorRoles.TrackingServer, CustomerId = "acme", Image = TrackingImage,
            Resources = new ActorResources { CpuMillis = 100, MemoryMb = 128 }, ListenPort = 41000,
        };
        nodes.Observe(Node("plain", learner: false) with { Actors = [running], PortsInUse = [41000] });

        var acme = placements.Place(Project("acme"));
        var globex = placements.Place(Project("globex"));

        Assert.Equal((observatoryId, false, "http://10.0.0.5:41000"), (acme.Observatory!.ObservatoryId, acme.Observatory.New, acme.Observatory.TrackingUrl));
        Assert.Equal(running.ActorId, acme.Observatory.Command.ActorId);
        Assert.True(globex.Observatory!.New);
        Assert.Equal(observatoryId, placements.Place(Project("acme")).Observatory!.ObservatoryId);
    }

    [Fact]
    public void Without_a_tracking_image_no_observatory_is_placed()
    {
        var (_, placements) = Planner(trackingImage: "");

        var decision = placements.Place(Project());

        Assert.True(decision.Succeeded);
        Assert.Null(decision.Observatory);
        Assert.Null(decision.Commands.Single(c => c.Role == ActorRoles.Aggregator).TrackingUrl);
    }
}

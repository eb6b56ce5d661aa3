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

    private static PlannerUnderTest Planner(string trackingImage = TrackingImage, bool learnerNode = true)
    {
        var planner = new PlannerUnderTest(new PlannerOptions { TrackingImage = trackingImage });
        planner.Observe(Node("plain", learner: false));
        if (learnerNode) planner.Observe(Node("learner", learner: true));
        return planner;
    }

    [Fact]
    public void A_customers_first_project_places_its_tracking_server_and_the_aggregator_gets_its_url()
    {
        var planner = Planner();

        var decision = planner.Place(Project());

        var observatory = decision.Observatory!;
        Assert.True(observatory.New);
        Assert.Equal(ActorRoles.TrackingServer, observatory.TrackingServer.Actor.Role);
        Assert.Equal(observatory.ObservatoryId, observatory.TrackingServer.Actor.ProjectId);
        Assert.Equal(TrackingImage, observatory.TrackingServer.Actor.Image);
        Assert.Equal($"http://{observatory.TrackingServer.Endpoint}", observatory.TrackingUrl);
        Assert.EndsWith($":{observatory.TrackingServer.Actor.ListenPort}", observatory.TrackingUrl);
        Assert.Equal(observatory.TrackingUrl, decision.Actors.Single(c => c.Actor.Role == ActorRoles.Aggregator).Actor.TrackingUrl);
        Assert.All(decision.Actors.Where(c => c.Actor.Role == ActorRoles.Learner), c => Assert.Null(c.Actor.TrackingUrl));
    }

    [Fact]
    public void Later_projects_of_the_customer_reuse_its_observatory()
    {
        var planner = Planner();

        var first = planner.Place(Project()).Observatory!;
        var second = planner.Place(Project()).Observatory!;

        Assert.False(second.New);
        Assert.Equal(first.ObservatoryId, second.ObservatoryId);
        Assert.Equal(first.TrackingUrl, second.TrackingUrl);
    }

    [Fact]
    public void Each_customer_gets_an_observatory_of_its_own()
    {
        var planner = Planner();

        var acme = planner.Place(Project("acme")).Observatory!;
        var globex = planner.Place(Project("globex")).Observatory!;

        Assert.True(globex.New);
        Assert.NotEqual(acme.ObservatoryId, globex.ObservatoryId);
        Assert.NotEqual(acme.TrackingUrl, globex.TrackingUrl);
    }

    [Fact]
    public void Concurrent_first_projects_of_one_customer_place_one_observatory()
    {
        var planner = Planner();

        var decisions = new System.Collections.Concurrent.ConcurrentBag<PlacementDecision>();
        Parallel.For(0, 6, _ => decisions.Add(planner.Place(Project())));

        Assert.All(decisions, d => Assert.True(d.Succeeded, d.Failure));
        Assert.Single(decisions.Select(d => d.Observatory!.ObservatoryId).Distinct());
        Assert.Single(decisions, d => d.Observatory!.New);
    }

    [Fact]
    public void An_observatory_that_failed_is_replaced_by_a_new_one_with_the_next_project()
    {
        var planner = Planner();
        var failed = planner.Place(Project()).Observatory!;

        planner.Ledger.ReleaseProject(failed.ObservatoryId);
        var next = planner.Place(Project()).Observatory!;

        Assert.True(next.New);
        Assert.NotEqual(failed.ObservatoryId, next.ObservatoryId);
    }

    [Fact]
    public void A_project_that_cannot_be_placed_keeps_no_observatory()
    {
        var planner = Planner(learnerNode: false);

        var refused = planner.Place(Project());
        planner.Observe(Node("learner", learner: true));
        var placed = planner.Place(Project());

        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, refused.FailureCode);
        Assert.Null(refused.Observatory);
        Assert.True(placed.Observatory!.New);
        Assert.Equal(41000, placed.Observatory.TrackingServer.Actor.ListenPort);
    }

    [Fact]
    public void A_restarted_planner_takes_back_the_tracking_server_a_node_reports_for_the_customer()
    {
        var planner = Planner();
        var observatoryId = Guid.NewGuid();
        var running = new ActorSpec
        {
            ProjectId = observatoryId, ActorId = Guid.NewGuid(), Role = ActorRoles.TrackingServer, CustomerId = "acme", Image = TrackingImage,
            Resources = new ActorResources { CpuMillis = 100, MemoryMb = 128 }, ListenPort = 41000,
        };
        planner.Observe(Node("plain", learner: false) with { Actors = [running] });

        var acme = planner.Place(Project("acme"));
        var globex = planner.Place(Project("globex"));

        Assert.Equal((observatoryId, false, "http://10.0.0.5:41000"), (acme.Observatory!.ObservatoryId, acme.Observatory.New, acme.Observatory.TrackingUrl));
        Assert.Equal(running.ActorId, acme.Observatory.TrackingServer.Actor.ActorId);
        Assert.True(globex.Observatory!.New);
        Assert.Equal(observatoryId, planner.Place(Project("acme")).Observatory!.ObservatoryId);
    }

    [Fact]
    public void Without_a_tracking_image_no_observatory_is_placed()
    {
        var planner = Planner(trackingImage: "");

        var decision = planner.Place(Project());

        Assert.True(decision.Succeeded);
        Assert.Null(decision.Observatory);
        Assert.Null(decision.Actors.Single(c => c.Actor.Role == ActorRoles.Aggregator).Actor.TrackingUrl);
    }
}

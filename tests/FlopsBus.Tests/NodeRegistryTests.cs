using FlopsBus.Contracts;
using FlopsBus.Planner;
using Microsoft.Extensions.Time.Testing;

namespace FlopsBus.Tests;

public class NodeRegistryTests
{
    private static readonly ActorResources Half = new() { CpuMillis = 500, MemoryMb = 256 };

    private static NodeSnapshot Node(string id, bool learner) => new()
    {
        NodeId = id, Address = "127.0.0.1", AddOns = learner ? [NodeAddOns.FlopsLearner] : [],
        Capacity = new ActorResources { CpuMillis = 1000, MemoryMb = 1024 }, PortRangeStart = 41000, PortRangeEnd = 41001,
    };

    private static PlacementRequest Request() => new(Guid.NewGuid(), "r/a:1", "r/l:1", 1, Half, Half);

    private static ProjectPlacement Place(NodeRegistry registry, PlacementRequest request) =>
        registry.Place(request, (role, instance) => ActorIdentity.For(request.ProjectId, role, instance));

    [Fact]
    public void Reservations_count_against_capacity_until_released()
    {
        var registry = new NodeRegistry(new PlannerOptions(), TimeProvider.System);
        registry.Observe(Node("plain", false));
        registry.Observe(Node("learner", true));

        var first = Place(registry, Request());
        var second = Place(registry, Request());
        var third = Place(registry, Request());

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.Equal(PlacementFailureCodes.NoWorkerCapacity, third.FailureCode);

        foreach (var actor in first.Actors) registry.Release(actor.ActorId);
        Assert.True(Place(registry, Request()).Succeeded);
    }

    [Fact]
    public void Aggregators_get_distinct_ports_and_a_full_range_moves_them_on()
    {
        var registry = new NodeRegistry(new PlannerOptions(), TimeProvider.System);
        var roomy = new ActorResources { CpuMillis = 8000, MemoryMb = 8192 };
        registry.Observe(Node("plain", false) with { Capacity = roomy });
        registry.Observe(Node("learner", true) with { Capacity = roomy, PortRangeStart = 41002, PortRangeEnd = 41003 });

        var endpoints = Enumerable.Range(0, 3).Select(_ => Place(registry, Request()).AggregatorEndpoint).ToList();

        Assert.Equal(["127.0.0.1:41000", "127.0.0.1:41001", "127.0.0.1:41002"], endpoints);
    }

    [Fact]
    public void Ports_a_node_reports_in_use_are_not_handed_out()
    {
        var registry = new NodeRegistry(new PlannerOptions(), TimeProvider.System);
        registry.Observe(Node("plain", false) with { PortsInUse = [41000] });
        registry.Observe(Node("learner", true) with { PortRangeStart = 41002, PortRangeEnd = 41003 });

        Assert.Equal("127.0.0.1:41001", Place(registry, Request()).AggregatorEndpoint);
    }

    [Fact]
    public void A_repeated_submission_gets_the_same_placement()
    {
        var registry = new NodeRegistry(new PlannerOptions(), TimeProvider.System);
        registry.Observe(Node("plain", false));
        registry.Observe(Node("learner", true));
        var request = Request();

        var first = Place(registry, request);
        var again = Place(registry, request);

        Assert.True(again.Repeated);
        Assert.Equal(first.Actors.Select(a => (a.ActorId, a.Assignment.NodeId)), again.Actors.Select(a => (a.ActorId, a.Assignment.NodeId)));
    }

    [Fact]
    public void A_node_silent_past_the_grace_is_not_placed_on()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var registry = new NodeRegistry(new PlannerOptions { NodeGrace = TimeSpan.FromSeconds(15) }, clock);
        registry.Observe(Node("plain", false));
        registry.Observe(Node("learner", true));

        clock.Advance(TimeSpan.FromSeconds(16));
        registry.Observe(Node("plain", false));

        Assert.Equal(["plain"], registry.LiveNodes().Select(n => n.NodeId));
        Assert.Equal(PlacementFailureCodes.NoQualifiedWorkerFound, Place(registry, Request()).FailureCode);
    }
}

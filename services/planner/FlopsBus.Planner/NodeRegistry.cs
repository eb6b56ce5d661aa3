using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// The planner's live view of worker nodes and of what it has reserved on them. Nodes report their
/// capacity; free capacity is capacity less this planner's reservations, since the planner is the one
/// that commits it. One lock keeps placement and reservation atomic under concurrent submissions.
/// </summary>
public sealed class NodeRegistry(PlannerOptions options, TimeProvider clock)
{
    private sealed record Reservation(Guid ProjectId, Guid ActorId, string NodeId, ActorResources Resources, int? Port);

    private readonly object _gate = new();
    private readonly Dictionary<string, (NodeSnapshot Node, DateTimeOffset LastSeen)> _nodes = new();
    private readonly Dictionary<Guid, Reservation> _reservations = new();
    private readonly Dictionary<Guid, ProjectPlacement> _placements = new();

    public void Observe(NodeSnapshot node)
    {
        lock (_gate) _nodes[node.NodeId] = (node, clock.GetUtcNow());
    }

    public IReadOnlyList<NodeSnapshot> LiveNodes()
    {
        lock (_gate) return Live().Select(n => n.Node).ToList();
    }

    /// <summary>Places a project and reserves its actors, or returns the placement it already has.</summary>
    public ProjectPlacement Place(PlacementRequest request, Func<string, int, Guid> actorId)
    {
        lock (_gate)
        {
            if (_placements.TryGetValue(request.ProjectId, out var existing))
                return existing with { Repeated = true };

            var result = PlacementEngine.Place(request, Candidates());
            if (!result.Succeeded)
                return new ProjectPlacement(request.ProjectId, [], result.FailureCode, result.Failure);

            var actors = new List<PlacedActorReservation>();
            foreach (var a in result.Assignments)
            {
                var id = actorId(a.Role, a.Instance);
                _reservations[id] = new Reservation(request.ProjectId, id, a.NodeId, a.Resources, a.Port);
                var address = _nodes[a.NodeId].Node.Address;
                actors.Add(new PlacedActorReservation(id, a, a.Port is { } port ? $"{address}:{port}" : null));
            }
            var placement = new ProjectPlacement(request.ProjectId, actors, null, null);
            _placements[request.ProjectId] = placement;
            return placement;
        }
    }

    /// <summary>Gives back what an actor held; a project whose actors are all released may be placed anew.</summary>
    public void Release(Guid actorId)
    {
        lock (_gate)
        {
            if (!_reservations.Remove(actorId, out var released)) return;
            if (_reservations.Values.All(r => r.ProjectId != released.ProjectId))
                _placements.Remove(released.ProjectId);
        }
    }

    private IEnumerable<(NodeSnapshot Node, DateTimeOffset LastSeen)> Live()
    {
        var cutoff = clock.GetUtcNow() - options.NodeGrace;
        return _nodes.Values.Where(n => n.LastSeen >= cutoff);
    }

    private List<NodeCandidate> Candidates()
    {
        var byNode = _reservations.Values.ToLookup(r => r.NodeId);
        return Live().Select(n =>
        {
            var held = byNode[n.Node.NodeId].ToList();
            var usedPorts = held.Where(r => r.Port is not null).Select(r => r.Port!.Value).Concat(n.Node.PortsInUse).ToHashSet();
            int? port = null;
            for (var p = n.Node.PortRangeStart; p > 0 && p <= n.Node.PortRangeEnd; p++)
                if (!usedPorts.Contains(p)) { port = p; break; }
            return new NodeCandidate(
                n.Node,
                n.Node.Capacity.CpuMillis - held.Sum(r => r.Resources.CpuMillis),
                n.Node.Capacity.MemoryMb - held.Sum(r => r.Resources.MemoryMb),
                port);
        }).ToList();
    }
}

public sealed record PlacedActorReservation(Guid ActorId, ActorAssignment Assignment, string? Endpoint);

public sealed record ProjectPlacement(Guid ProjectId, IReadOnlyList<PlacedActorReservation> Actors, string? FailureCode, string? Failure)
{
    public bool Succeeded => FailureCode is null;
    /// <summary>True when this submission was placed before (a redelivery): send the same commands again.</summary>
    public bool Repeated { get; init; }
    public string AggregatorEndpoint => Actors.First(a => a.Assignment.Role == ActorRoles.Aggregator).Endpoint!;
}

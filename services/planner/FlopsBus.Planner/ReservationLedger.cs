using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// What holds the nodes' capacity: every actor placed by this planner or reported by a node, keyed by actor id,
/// and each customer's observatory. Nothing in it is kept only here: the nodes report every actor they run, so a
/// planner that restarts rebuilds it from their heartbeats, through the same path that keeps it current.
/// Everything runs under the node registry's gate, so concurrent placements never commit the same capacity twice.
/// </summary>
public sealed class ReservationLedger(NodeRegistry nodes)
{
    private readonly Dictionary<Guid, string> _nodeOf = new();
    /// <summary>Each project's actors in the order they were placed, so a repeated submission gets the same placement back.</summary>
    private readonly Dictionary<Guid, List<Guid>> _byProject = new();
    private readonly Dictionary<string, Guid> _observatories = new(StringComparer.Ordinal);
    /// <summary>Projects a consumer waits to see placed (<see cref="Placed"/>), completed as their first actor is held.</summary>
    private readonly Dictionary<Guid, TaskCompletionSource> _awaited = new();

    /// <summary>Records a node's report: its view, and the actors it runs held against it (taken back when unknown).</summary>
    public bool Observe(NodeSnapshot node)
    {
        lock (nodes.Gate)
        {
            var back = nodes.Observe(node);
            var candidate = nodes.Find(node.NodeId)!;
            foreach (var actor in node.Actors)
                Hold(candidate, new PlacedActor
                {
                    Actor = actor, NodeId = node.NodeId,
                    Endpoint = actor.ListenPort is { } port ? candidate.Endpoint(port) : actor.AggregatorEndpoint,
                }, reported: true);
            if (candidate.NoLongerReported(node.Actors.Select(a => a.ActorId).ToHashSet()) is { Count: > 0 } gone)
                foreach (var actorId in gone) Release(actorId);
            return back;
        }
    }

    /// <summary>
    /// Holds the placed actor's capacity and port on its node; a node this planner has not heard from yet holds it
    /// once it reports the actor (a standby learning of another planner's placement).
    /// </summary>
    public void Reserve(PlacedActor placed)
    {
        lock (nodes.Gate)
            if (nodes.Find(placed.NodeId) is { } node)
                Hold(node, placed, reported: false);
    }

    private void Hold(NodeCandidate node, PlacedActor placed, bool reported)
    {
        var actor = placed.Actor;
        if (_nodeOf.TryGetValue(actor.ActorId, out var elsewhere) && elsewhere != node.NodeId)
            nodes.Find(elsewhere)?.Release(actor.ActorId);
        if (!node.Hold(placed, reported)) return;
        _nodeOf[actor.ActorId] = node.NodeId;
        if (!_byProject.TryGetValue(actor.ProjectId, out var actors))
        {
            _byProject[actor.ProjectId] = actors = [];
            if (_awaited.Remove(actor.ProjectId, out var awaited)) awaited.TrySetResult();
        }
        actors.Add(actor.ActorId);
        if (actor.Role == ActorRoles.TrackingServer) _observatories.TryAdd(actor.CustomerId, actor.ProjectId);
    }

    /// <summary>Gives back what an actor held; the last actor of an observatory ends the customer's use of it.</summary>
    public void Release(Guid actorId)
    {
        lock (nodes.Gate)
        {
            if (!_nodeOf.Remove(actorId, out var nodeId)) return;
            var placed = nodes.Find(nodeId)?.Release(actorId);
            if (placed is null || !_byProject.TryGetValue(placed.Actor.ProjectId, out var actors)) return;
            actors.Remove(actorId);
            if (actors.Count > 0) return;
            _byProject.Remove(placed.Actor.ProjectId);
            if (_observatories.GetValueOrDefault(placed.Actor.CustomerId) == placed.Actor.ProjectId)
                _observatories.Remove(placed.Actor.CustomerId);
        }
    }

    /// <summary>Completes once the project holds actors here: at once if it does, else when a placement of it is held.</summary>
    public Task Placed(Guid projectId)
    {
        lock (nodes.Gate)
        {
            if (_byProject.ContainsKey(projectId)) return Task.CompletedTask;
            if (!_awaited.TryGetValue(projectId, out var awaited))
                _awaited[projectId] = awaited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return awaited.Task;
        }
    }

    /// <summary>Stops waiting for the project to be placed (<see cref="Placed"/>), so nothing is kept for one that never is.</summary>
    public void StopAwaiting(Guid projectId)
    {
        lock (nodes.Gate) _awaited.Remove(projectId);
    }

    public void ReleaseProject(Guid projectId)
    {
        lock (nodes.Gate)
        {
            if (!_byProject.TryGetValue(projectId, out var actors)) return;
            foreach (var actorId in actors.ToList()) Release(actorId);
        }
    }

    /// <summary>The actors of a project or observatory that hold capacity, as placed; empty when none do.</summary>
    public IReadOnlyList<PlacedActor> Project(Guid projectId)
    {
        lock (nodes.Gate)
            return _byProject.TryGetValue(projectId, out var actors) ? actors.Select(Find).OfType<PlacedActor>().ToList() : [];
    }

    public PlacedActor? Find(Guid actorId)
    {
        lock (nodes.Gate)
            return _nodeOf.TryGetValue(actorId, out var nodeId) ? nodes.Find(nodeId)?.Holding(actorId) : null;
    }

    /// <summary>The customer's tracking server, if the customer has an observatory.</summary>
    public PlacedActor? Observatory(string customerId)
    {
        lock (nodes.Gate)
            return _observatories.TryGetValue(customerId, out var id) ? Project(id).FirstOrDefault() : null;
    }
}

using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// One worker node as the planner sees it: what it reported, and the actors that hold its capacity and ports.
/// Long-lived and updated in place, so placing a project does not copy thousands of nodes. An actor holds the
/// node once, whether this planner placed it (sent, perhaps not yet running) or the node reports it (placed
/// before this planner started, or by another). Every change is told to the <see cref="NodeIndex"/> it is in, so the
/// index placement reads never lags behind.
/// </summary>
public sealed class NodeCandidate
{
    /// <summary>An actor holding this node; <see cref="Reported"/> once the node has said it runs it.</summary>
    private sealed class Holder(PlacedActor placed)
    {
        public PlacedActor Placed { get; } = placed;
        public bool Reported { get; set; }
    }

    private HashSet<string> _cachedImages = [];
    private readonly Dictionary<Guid, Holder> _holders = [];
    private readonly HashSet<int> _ports = [];

    public NodeCandidate(NodeSnapshot node) => Update(node);

    public NodeSnapshot Node { get; private set; } = null!;
    public string NodeId => Node.NodeId;
    public bool IsLearnerNode { get; private set; }
    public int HeldCpuMillis { get; private set; }
    public int HeldMemoryMb { get; private set; }
    public int FreeCpuMillis => Node.Capacity.CpuMillis - HeldCpuMillis;
    public int FreeMemoryMb => Node.Capacity.MemoryMb - HeldMemoryMb;

    /// <summary>The actor, if it holds this node.</summary>
    public PlacedActor? Holding(Guid actorId) => _holders.GetValueOrDefault(actorId)?.Placed;

    public bool Caches(string image) => _cachedImages.Contains(image);

    /// <summary>Replaced, never changed, when the node reports other images: the index compares them by reference first.</summary>
    internal IReadOnlySet<string> CachedImages => _cachedImages;

    /// <summary>The index that files this node, if any.</summary>
    internal NodeIndex? Index { get; set; }

    public bool Fits(ActorResources r, int alreadyTakenCpu = 0, int alreadyTakenMemory = 0) =>
        FreeCpuMillis - alreadyTakenCpu >= r.CpuMillis && FreeMemoryMb - alreadyTakenMemory >= r.MemoryMb;

    /// <summary>The lowest port of the node's range that no actor holds and the caller has not taken.</summary>
    public int? FreePort(Func<int, bool>? alsoTaken = null)
    {
        for (var p = Node.PortRangeStart; p > 0 && p <= Node.PortRangeEnd; p++)
            if (!_ports.Contains(p) && alsoTaken?.Invoke(p) != true)
                return p;
        return null;
    }

    /// <summary>host:port of an actor listening on this node.</summary>
    public string Endpoint(int port) => $"{Node.Address}:{port}";

    internal void Update(NodeSnapshot node)
    {
        if (!ReferenceEquals(Node?.CachedImages, node.CachedImages)) _cachedImages = [.. node.CachedImages];
        Node = node;
        IsLearnerNode = node.AddOns.Contains(NodeAddOns.FlopsLearner, StringComparer.OrdinalIgnoreCase);
        Index?.Refile(this);
    }

    /// <summary>Counts the actor's resources and port against this node; false when it already does.</summary>
    internal bool Hold(PlacedActor placed, bool reported = false)
    {
        if (_holders.TryGetValue(placed.Actor.ActorId, out var existing))
        {
            existing.Reported |= reported;
            return false;
        }
        _holders[placed.Actor.ActorId] = new Holder(placed) { Reported = reported };
        HeldCpuMillis += placed.Actor.Resources.CpuMillis;
        HeldMemoryMb += placed.Actor.Resources.MemoryMb;
        if (placed.Actor.ListenPort is { } p) _ports.Add(p);
        Index?.Refile(this);
        return true;
    }

    internal PlacedActor? Release(Guid actorId)
    {
        if (!_holders.Remove(actorId, out var holder)) return null;
        HeldCpuMillis -= holder.Placed.Actor.Resources.CpuMillis;
        HeldMemoryMb -= holder.Placed.Actor.Resources.MemoryMb;
        if (holder.Placed.Actor.ListenPort is { } p) _ports.Remove(p);
        Index?.Refile(this);
        return holder.Placed;
    }

    /// <summary>
    /// The actors this node held and reported before but no longer reports: gone (removed, or exited and cleaned
    /// up) even if the message that said so was lost or overtaken. An actor never reported yet may still be on its way.
    /// </summary>
    internal IReadOnlyList<Guid> NoLongerReported(IReadOnlySet<Guid> reported) =>
        _holders.Where(h => h.Value.Reported && !reported.Contains(h.Key)).Select(h => h.Key).ToList();
}

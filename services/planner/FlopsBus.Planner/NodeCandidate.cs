using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// One worker node as the planner sees it: what it reported, and what this planner has reserved on it.
/// Long-lived and updated in place, so placing a project does not copy thousands of nodes.
/// </summary>
public sealed class NodeCandidate
{
    private HashSet<string> _cachedImages = [];
    private HashSet<int> _portsInUse = [];
    private readonly HashSet<int> _reservedPorts = [];

    public NodeCandidate(NodeSnapshot node) => Update(node);

    public NodeSnapshot Node { get; private set; } = null!;
    public string NodeId => Node.NodeId;
    public bool IsLearnerNode { get; private set; }
    public int ReservedCpuMillis { get; private set; }
    public int ReservedMemoryMb { get; private set; }
    public int FreeCpuMillis => Node.Capacity.CpuMillis - ReservedCpuMillis;
    public int FreeMemoryMb => Node.Capacity.MemoryMb - ReservedMemoryMb;

    public bool Caches(string image) => _cachedImages.Contains(image);

    public bool Fits(ActorResources r, int alreadyTakenCpu = 0, int alreadyTakenMemory = 0) =>
        FreeCpuMillis - alreadyTakenCpu >= r.CpuMillis && FreeMemoryMb - alreadyTakenMemory >= r.MemoryMb;

    /// <summary>The lowest port of the node's range that nothing listens on, nothing reserved, and the caller has not taken.</summary>
    public int? FreePort(Func<int, bool>? alsoTaken = null)
    {
        for (var p = Node.PortRangeStart; p > 0 && p <= Node.PortRangeEnd; p++)
            if (!_reservedPorts.Contains(p) && !_portsInUse.Contains(p) && alsoTaken?.Invoke(p) != true)
                return p;
        return null;
    }

    internal void Update(NodeSnapshot node)
    {
        if (!ReferenceEquals(Node?.CachedImages, node.CachedImages)) _cachedImages = [.. node.CachedImages];
        if (!ReferenceEquals(Node?.PortsInUse, node.PortsInUse)) _portsInUse = [.. node.PortsInUse];
        Node = node;
        IsLearnerNode = node.AddOns.Contains(NodeAddOns.FlopsLearner, StringComparer.OrdinalIgnoreCase);
    }

    internal void Reserve(ActorResources r, int? port)
    {
        ReservedCpuMillis += r.CpuMillis;
        ReservedMemoryMb += r.MemoryMb;
        if (port is { } p) _reservedPorts.Add(p);
    }

    internal void Release(ActorResources r, int? port)
    {
        ReservedCpuMillis -= r.CpuMillis;
        ReservedMemoryMb -= r.MemoryMb;
        if (port is { } p) _reservedPorts.Remove(p);
    }
}

using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// One worker node as the planner sees it: what it reported, and what this planner has reserved on it.
/// Long-lived and updated in place, so placing a project does not copy thousands of nodes.
/// Capacity in use is every actor once: those this planner reserved (sent, perhaps not yet running) and those the
/// node reports running that it did not reserve (placed before this planner started, or by another).
/// </summary>
public sealed class NodeCandidate
{
    private HashSet<string> _cachedImages = [];
    private HashSet<int> _portsInUse = [];
    private readonly HashSet<int> _reservedPorts = [];
    private readonly Dictionary<Guid, ActorResources> _reserved = [];
    private Dictionary<Guid, ActorResources> _reported = [];
    private (int Cpu, int Memory) _reportedOnly;

    public NodeCandidate(NodeSnapshot node) => Update(node);

    public NodeSnapshot Node { get; private set; } = null!;
    public string NodeId => Node.NodeId;
    public bool IsLearnerNode { get; private set; }
    public int ReservedCpuMillis { get; private set; }
    public int ReservedMemoryMb { get; private set; }
    public int FreeCpuMillis => Node.Capacity.CpuMillis - ReservedCpuMillis - _reportedOnly.Cpu;
    public int FreeMemoryMb => Node.Capacity.MemoryMb - ReservedMemoryMb - _reportedOnly.Memory;

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
        if (!ReferenceEquals(Node?.Actors, node.Actors))
        {
            _reported = node.Actors.GroupBy(a => a.ActorId).ToDictionary(g => g.Key, g => g.First().Resources);
            _reportedOnly = Sum(_reported.Where(a => !_reserved.ContainsKey(a.Key)).Select(a => a.Value));
        }
        Node = node;
        IsLearnerNode = node.AddOns.Contains(NodeAddOns.FlopsLearner, StringComparer.OrdinalIgnoreCase);
    }

    internal void Reserve(Guid actorId, ActorResources r, int? port)
    {
        if (!_reserved.TryAdd(actorId, r)) return;
        ReservedCpuMillis += r.CpuMillis;
        ReservedMemoryMb += r.MemoryMb;
        if (port is { } p) _reservedPorts.Add(p);
        if (_reported.TryGetValue(actorId, out var running)) _reportedOnly = Add(_reportedOnly, running, -1);
    }

    internal void Release(Guid actorId, int? port)
    {
        if (!_reserved.Remove(actorId, out var r)) return;
        ReservedCpuMillis -= r.CpuMillis;
        ReservedMemoryMb -= r.MemoryMb;
        if (port is { } p) _reservedPorts.Remove(p);
        // Still running as far as the node last said; its next report tells.
        if (_reported.TryGetValue(actorId, out var running)) _reportedOnly = Add(_reportedOnly, running, 1);
    }

    private static (int Cpu, int Memory) Sum(IEnumerable<ActorResources> resources) =>
        resources.Aggregate((Cpu: 0, Memory: 0), (total, r) => Add(total, r, 1));

    private static (int Cpu, int Memory) Add((int Cpu, int Memory) total, ActorResources r, int sign) =>
        (total.Cpu + sign * r.CpuMillis, total.Memory + sign * r.MemoryMb);
}

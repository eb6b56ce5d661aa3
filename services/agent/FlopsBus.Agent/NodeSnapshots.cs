using FlopsBus.Contracts;

namespace FlopsBus.Agent;

/// <summary>
/// What this node tells the planner: capacity, what is left of it, what images it holds and what it runs, under a
/// revision that moves on whenever any of it changes (heartbeats name the revision and carry the rest only then).
/// </summary>
public sealed class NodeSnapshots(AgentOptions options, IActorRuntime runtime, NodeActors actors)
{
    private readonly Lock _gate = new();
    private NodeSnapshot? _last;
    /// <summary>Starts anywhere: an agent that restarted does not name its predecessor's revisions for another snapshot.</summary>
    private long _revision = Random.Shared.NextInt64(1, long.MaxValue / 2);

    public async Task<NodeSnapshot> Take(CancellationToken cancellationToken)
    {
        var taken = await Read(cancellationToken);
        lock (_gate)
        {
            if (_last is null || !Same(_last, taken)) _revision++;
            return _last = taken with { Revision = _revision };
        }
    }

    private static bool Same(NodeSnapshot a, NodeSnapshot b) =>
        a.Free == b.Free && a.Capacity == b.Capacity && a.Address == b.Address && a.Cluster == b.Cluster
        && a.PortRangeStart == b.PortRangeStart && a.PortRangeEnd == b.PortRangeEnd && a.HeartbeatInterval == b.HeartbeatInterval
        && a.AddOns.SequenceEqual(b.AddOns) && a.CachedImages.Order().SequenceEqual(b.CachedImages.Order())
        && a.Actors.Count == b.Actors.Count && a.Actors.Select(x => x.ActorId).ToHashSet().SetEquals(b.Actors.Select(x => x.ActorId));

    private async Task<NodeSnapshot> Read(CancellationToken cancellationToken)
    {
        var held = actors.Held();
        return new NodeSnapshot
        {
            NodeId = options.NodeId,
            Address = options.Address,
            AddOns = options.AddOns,
            Cluster = options.Cluster,
            Capacity = new ActorResources { CpuMillis = options.CpuMillis, MemoryMb = options.MemoryMb },
            Free = new ActorResources
            {
                CpuMillis = options.CpuMillis - held.Sum(a => a.Resources.CpuMillis),
                MemoryMb = options.MemoryMb - held.Sum(a => a.Resources.MemoryMb)
            },
            CachedImages = await runtime.CachedImagesAsync(cancellationToken),
            PortRangeStart = options.PortRangeStart,
            PortRangeEnd = options.PortRangeEnd,
            HeartbeatInterval = options.HeartbeatInterval,
            Actors = held,
        };
    }
}

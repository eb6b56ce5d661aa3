using FlopsBus.Contracts;

namespace FlopsBus.Agent;

/// <summary>What this node tells the planner: capacity, what is left of it, what images it holds and what it runs.</summary>
public sealed class NodeSnapshots(AgentOptions options, IActorRuntime runtime, NodeActors actors)
{
    public async Task<NodeSnapshot> Take(CancellationToken cancellationToken)
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

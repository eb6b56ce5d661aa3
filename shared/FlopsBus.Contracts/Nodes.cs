namespace FlopsBus.Contracts;

/// <summary>What a worker node's agent tells about its node: a registration carries it whole, and so does a heartbeat
/// whenever it changed (see <see cref="NodeHeartbeat"/>).</summary>
public record NodeSnapshot
{
    /// <summary>Moves on whenever anything else here changes; a heartbeat names it in place of the whole snapshot.</summary>
    public long Revision { get; init; }
    public required string NodeId { get; init; }
    public required string Address { get; init; }
    public IReadOnlyList<string> AddOns { get; init; } = [];
    public string Cluster { get; init; } = "";
    public ActorResources Capacity { get; init; } = new();
    public ActorResources Free { get; init; } = new();
    public IReadOnlyList<string> CachedImages { get; init; } = [];
    /// <summary>Ports the planner may hand to actors on this node (host network: nodes on one machine share ports).</summary>
    public int PortRangeStart { get; init; }
    public int PortRangeEnd { get; init; }
    /// <summary>
    /// The actors this node runs or is starting now, as it was told to run them: a planner that restarted counts
    /// their capacity and ports and takes back the customers' observatories from them.
    /// </summary>
    public IReadOnlyList<ActorSpec> Actors { get; init; } = [];
    /// <summary>How often the agent heartbeats; the planner declares the node lost after a few missed ones.</summary>
    public TimeSpan HeartbeatInterval { get; init; }
}

public record NodeRegistered
{
    public required NodeSnapshot Node { get; init; }
}

/// <summary>
/// A node's sign of life. It carries the whole snapshot only when the snapshot changed since the last heartbeat that
/// did, or when a planner asked for it (<see cref="ReportNode"/>); otherwise only its revision, so that heartbeats stay
/// small however many actors a node runs (Kubernetes splits its node heartbeat so: a small Lease, and NodeStatus when
/// it changes).
/// </summary>
public record NodeHeartbeat
{
    public required string NodeId { get; init; }
    /// <summary>The <see cref="NodeSnapshot.Revision"/> of the node's snapshot now.</summary>
    public long Revision { get; init; }
    public NodeSnapshot? Node { get; init; }
}

/// <summary>Asks a node's agent for a heartbeat with its whole snapshot: the planner that sends it holds none of the node, or an older one.</summary>
public record ReportNode
{
    public required string NodeId { get; init; }
}

/// <summary>A node whose heartbeats stopped: the planner places nothing more on it until it is heard from again.</summary>
public record NodeLost
{
    public required string NodeId { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public required string Reason { get; init; }
}

public record GetNodes;

public record NodeList
{
    public IReadOnlyList<NodeView> Nodes { get; init; } = [];
}

/// <summary>A node as the planner sees it: what it reported, what is left after reservations, whether it is live.</summary>
public record NodeView
{
    public required NodeSnapshot Node { get; init; }
    public ActorResources Free { get; init; } = new();
    public DateTimeOffset LastSeen { get; init; }
    public bool Live { get; init; }
}

/// <summary>
/// Every message type a worker node's agent publishes. Each goes through an exchange of that node's own
/// (<see cref="EndpointNames.NodeExchange"/>), so the planner and the saga know which node sent it.
/// </summary>
public static class NodeMessages
{
    public static IReadOnlyList<Type> Published { get; } =
    [
        typeof(NodeRegistered), typeof(NodeHeartbeat), typeof(ImagePulling), typeof(ImagePulled), typeof(ActorStarted), typeof(DataFetched),
        typeof(AggregatorConnected), typeof(ActorFailed), typeof(ActorRemoved), typeof(GetRetiredActors),
    ];
}

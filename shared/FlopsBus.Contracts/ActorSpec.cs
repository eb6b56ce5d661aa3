namespace FlopsBus.Contracts;

/// <summary>
/// Everything needed to run one actor, described once: the planner makes it, <see cref="DeployActor"/> carries it to
/// a node, the node reports it back while the actor runs (<see cref="NodeSnapshot.Actors"/>), the saga keeps it
/// (<see cref="PlacedActor"/>), and <see cref="ReplaceActor"/> hands it back to the planner to run it elsewhere.
/// </summary>
public record ActorSpec
{
    public Guid ProjectId { get; init; }
    /// <summary>Whose actor it is: a customer's projects share its observatory.</summary>
    public string CustomerId { get; init; } = "";
    public Guid ActorId { get; init; }
    /// <summary>One of <see cref="ActorRoles"/>.</summary>
    public required string Role { get; init; }
    public int Instance { get; init; }
    public required string Image { get; init; }
    public ActorResources Resources { get; init; } = new();
    /// <summary>Aggregators and tracking servers: the port to listen on (host network, so ports are allocated per node).</summary>
    public int? ListenPort { get; init; }
    /// <summary>Learners and cluster aggregators: host:port of the aggregator above them.</summary>
    public string? AggregatorEndpoint { get; init; }
    /// <summary>Learners: the local training data they fetch.</summary>
    public IReadOnlyList<string> DataTags { get; init; } = [];
    /// <summary>Aggregators: how many learners (or cluster aggregators) to wait for.</summary>
    public int MinLearners { get; init; }
    /// <summary>Aggregators: the customer's tracking server, as FLOPS_TRACKING_URL.</summary>
    public string? TrackingUrl { get; init; }
    /// <summary>Hierarchical mode: the cluster the actor is confined to, and any replacement of it with it.</summary>
    public string? Cluster { get; init; }
}

namespace FlopsBus.Contracts;

/// <summary>Run <see cref="Actor"/> on node <see cref="NodeId"/>: everything the agent needs, nothing to look up.</summary>
public record DeployActor
{
    public required string NodeId { get; init; }
    public required ActorSpec Actor { get; init; }
}

public record RemoveActor
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    public required string Reason { get; init; }
}

/// <summary>
/// Where a node's pull of an actor's image stands, sent now and then while it lasts (Agent:PullProgressInterval).
/// A progress report, not a fact: the saga keeps the latest, the timeline does not record it.
/// </summary>
public record ImagePulling
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    public required string Image { get; init; }
    /// <summary>Compressed bytes that have come over the wire so far.</summary>
    public long BytesPulled { get; init; }
    /// <summary>
    /// The compressed size of the layers the node is fetching, once known, 0 until then: the engine learns a layer's size
    /// when that layer's download starts, and a few download at a time.
    /// </summary>
    public long BytesTotal { get; init; }
}

public record ImagePulled
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    public required string Image { get; init; }
    public string? Digest { get; init; }
    public TimeSpan Duration { get; init; }
    public bool AlreadyCached { get; init; }
    /// <summary>The compressed bytes of the layers the node had to fetch (from the registry or its cluster's cache).</summary>
    public long BytesPulled { get; init; }
}

public record ActorStarted
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    public required string ContainerId { get; init; }
    public required string Role { get; init; }
    public DateTimeOffset StartedAt { get; init; }
}

public record DataFetched
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    public long Samples { get; init; }
    public TimeSpan Duration { get; init; }
}

public record AggregatorConnected
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    public string? Aggregator { get; init; }
}

public record ActorFailed
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    /// <summary>One of <see cref="FailureStages"/>.</summary>
    public required string Stage { get; init; }
    public required string Reason { get; init; }
    public int? ExitCode { get; init; }
}

public record ActorRemoved
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
}

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

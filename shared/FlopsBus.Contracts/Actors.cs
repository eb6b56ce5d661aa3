namespace FlopsBus.Contracts;

/// <summary>Run one actor on node <see cref="NodeId"/>: everything the agent needs, nothing to look up.</summary>
public record DeployActor
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string NodeId { get; init; }
    public required string Role { get; init; }
    public int Instance { get; init; }
    public required string Image { get; init; }
    /// <summary>Whose actor it is; the node reports it back with the actor (see <see cref="HostedActor"/>).</summary>
    public string? CustomerId { get; init; }
    public ActorResources Resources { get; init; } = new();
    /// <summary>Aggregators: the port to listen on (host network, so ports are allocated per node).</summary>
    public int? ListenPort { get; init; }
    /// <summary>Learners and cluster aggregators: host:port of the aggregator above them.</summary>
    public string? AggregatorEndpoint { get; init; }
    public IReadOnlyList<string> DataTags { get; init; } = [];
    public int MinLearners { get; init; }
    public string? TrackingUrl { get; init; }
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

namespace FlopsBus.Contracts;

/// <summary>
/// An FL project whose actor images sit in the registry. Upstream stages publish it, often as plain
/// camelCase JSON, so every field may be missing and is checked by the planner.
/// </summary>
public record ProjectSubmitted
{
    public Guid ProjectId { get; init; }
    public string? CustomerId { get; init; }
    public string? AggregatorImage { get; init; }
    public string? LearnerImage { get; init; }
    public int Learners { get; init; }
    public IReadOnlyList<string>? DataTags { get; init; }
    public ProjectResources? Resources { get; init; }
    public string? Mode { get; init; }
    public TimeSpan? ReadinessTimeout { get; init; }
}

public record ProjectResources
{
    public ActorResources? Aggregator { get; init; }
    public ActorResources? Learner { get; init; }
}

public record ActorResources
{
    public int CpuMillis { get; init; }
    public int MemoryMb { get; init; }
}

/// <summary>A submission that cannot be handled; <see cref="Reason"/> names the bad field.</summary>
public record ProjectRejected
{
    public Guid? ProjectId { get; init; }
    public required string Reason { get; init; }
}

/// <summary>
/// A project's actor set, or a customer's observatory (its tracking server) placed once and reused by the
/// customer's later projects: then <see cref="Kind"/> says so and <see cref="ProjectId"/> is the observatory's id.
/// </summary>
public record ProjectPlaced
{
    public Guid ProjectId { get; init; }
    /// <summary>One of <see cref="DeploymentKinds"/>.</summary>
    public string Kind { get; init; } = DeploymentKinds.Project;
    public string CustomerId { get; init; } = "";
    public TimeSpan? ReadinessTimeout { get; init; }
    public IReadOnlyList<PlacedActor> Actors { get; init; } = [];
    /// <summary>The customer's observatory whose tracking server this project's aggregator logs to.</summary>
    public Guid? ObservatoryId { get; init; }
    /// <summary>The tracking server's URL, as the aggregator gets it in FLOPS_TRACKING_URL.</summary>
    public string? TrackingUrl { get; init; }
}

/// <summary>An actor as placed: what it runs (<see cref="Actor"/>), where, and the endpoint it is known by.</summary>
public record PlacedActor
{
    public required ActorSpec Actor { get; init; }
    public required string NodeId { get; init; }
    /// <summary>host:port the actor listens on; for a learner, the aggregator it connects to.</summary>
    public string? Endpoint { get; init; }
}

public record PlacementFailed
{
    public Guid ProjectId { get; init; }
    public required string ReasonCode { get; init; }
    public required string Reason { get; init; }
}

/// <summary>A project is ready to train; with an observatory's id, the customer's tracking server runs.</summary>
public record ProjectReady
{
    public Guid ProjectId { get; init; }
    public TimeSpan TimeToReady { get; init; }
    public IReadOnlyList<ActorTiming> Actors { get; init; } = [];
}

public record ActorTiming
{
    public Guid ActorId { get; init; }
    public required string Role { get; init; }
    public int Instance { get; init; }
    public required string NodeId { get; init; }
    public TimeSpan? Started { get; init; }
    public TimeSpan? DataFetched { get; init; }
    public TimeSpan? Connected { get; init; }
}

/// <summary>A project (or an observatory) failed; it is torn down, and an observatory is placed anew with the next project.</summary>
public record ProjectFailed
{
    public Guid ProjectId { get; init; }
    public required string Reason { get; init; }
    public Guid? FailedActorId { get; init; }
}

/// <summary>
/// Run the failed actor <see cref="Actor"/> again, under a new id, on another qualified node than <see cref="FailedNodeId"/>.
/// It carries the whole spec, so the planner needs to remember nothing of the project.
/// </summary>
public record ReplaceActor
{
    public required ActorSpec Actor { get; init; }
    public required string FailedNodeId { get; init; }
    public required string Reason { get; init; }
}

/// <summary>The actor <see cref="ReplacedActorId"/> now runs as <see cref="Replacement"/>, with a new id, on another node.</summary>
public record ActorReplaced
{
    public Guid ProjectId { get; init; }
    public Guid ReplacedActorId { get; init; }
    public required PlacedActor Replacement { get; init; }
}

public record ActorReplacementFailed
{
    public Guid ProjectId { get; init; }
    public Guid ActorId { get; init; }
    public required string ReasonCode { get; init; }
    public required string Reason { get; init; }
}

/// <summary>Tear a project down: every actor removed, the project ends UNDEPLOYED.</summary>
public record CancelProject
{
    public Guid ProjectId { get; init; }
    public required string Reason { get; init; }
}

/// <summary>
/// A deadline of the project's deployment has passed (readiness, or an actor's start). Deadlines live in the
/// saga's database, not in the broker, so one that falls while the saga host is down is announced after it restarts.
/// </summary>
public record ProjectDeadlinePassed
{
    public Guid ProjectId { get; init; }
}

namespace FlopsBus.Contracts;

public record GetProjectStatus
{
    public Guid ProjectId { get; init; }
}

public record ProjectStatus
{
    public Guid ProjectId { get; init; }
    /// <summary>One of <see cref="DeploymentKinds"/>.</summary>
    public string Kind { get; init; } = DeploymentKinds.Project;
    public string CustomerId { get; init; } = "";
    /// <summary>One of <see cref="ProjectStatuses"/>.</summary>
    public required string Status { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public DateTimeOffset? ReadyAt { get; init; }
    /// <summary>The customer's observatory this project logs to; its own status is asked for by this id.</summary>
    public Guid? ObservatoryId { get; init; }
    public string? TrackingUrl { get; init; }
    public IReadOnlyList<ActorStatus> Actors { get; init; } = [];
    /// <summary>Every event the saga folded in, oldest first.</summary>
    public IReadOnlyList<ProjectEvent> Timeline { get; init; } = [];
}

public record ProjectEvent
{
    public DateTimeOffset At { get; init; }
    public required string Event { get; init; }
    public Guid? ActorId { get; init; }
    public string? Detail { get; init; }
}

public record ActorStatus
{
    public Guid ActorId { get; init; }
    public required string Role { get; init; }
    public int Instance { get; init; }
    public string? NodeId { get; init; }
    /// <summary>One of <see cref="ActorStatuses"/>.</summary>
    public required string Status { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>While <see cref="ActorStatuses.Pulling"/>: the bytes pulled so far and of how many (see <see cref="ImagePulling"/>).</summary>
    public long? PullBytes { get; init; }
    public long? PullBytesTotal { get; init; }
}

public record ProjectNotFound
{
    public Guid ProjectId { get; init; }
}

/// <summary>The deployments the saga host knows, most recently changed first; of one customer when <see cref="CustomerId"/> is set.</summary>
public record GetProjects
{
    public string? CustomerId { get; init; }
    public int Limit { get; init; } = 50;
}

public record ProjectList
{
    public IReadOnlyList<ProjectSummary> Projects { get; init; } = [];
}

/// <summary>One line of <see cref="ProjectList"/>: a project, or a customer's observatory.</summary>
public record ProjectSummary
{
    public Guid ProjectId { get; init; }
    public string CustomerId { get; init; } = "";
    /// <summary>One of <see cref="ProjectStatuses"/>.</summary>
    public required string Status { get; init; }
    /// <summary>One of <see cref="DeploymentKinds"/>.</summary>
    public string Kind { get; init; } = DeploymentKinds.Project;
    public int Actors { get; init; }
    public DateTimeOffset SubmittedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// Asked by an agent before it reports its node live (at start-up, and when it is back after being cut off): which of
/// the actors it holds belong to deployments that ended, or were retired by the saga, and must be removed.
/// </summary>
public record GetRetiredActors
{
    public required string NodeId { get; init; }
    public IReadOnlyList<ActorSpec> Actors { get; init; } = [];
}

/// <summary>The answer to <see cref="GetRetiredActors"/>: actors unknown to the saga are not in it (their placement may still be on its way).</summary>
public record RetiredActors
{
    public IReadOnlyList<Guid> ActorIds { get; init; } = [];
}

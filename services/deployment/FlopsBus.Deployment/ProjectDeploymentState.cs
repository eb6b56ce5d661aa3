using System.Text.Json.Serialization;
using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>One project's deployment, as the saga persists it.</summary>
public sealed class ProjectDeploymentState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
    public int Version { get; set; }

    /// <summary>One of <see cref="DeploymentKinds"/>.</summary>
    public string Kind { get; set; } = DeploymentKinds.Project;
    public string CustomerId { get; set; } = "";
    public string? Reason { get; set; }
    public DateTimeOffset? PlacedAt { get; set; }
    public DateTimeOffset? ReadyAt { get; set; }
    public TimeSpan? ReadinessTimeout { get; set; }
    public DateTimeOffset? ReadinessDeadline { get; set; }
    /// <summary>The customer's observatory this project's aggregator logs to (none for an observatory itself).</summary>
    public Guid? ObservatoryId { get; set; }
    public string? TrackingUrl { get; set; }
    /// <summary>Known once the project is placed; until then only actors heard from early are here.</summary>
    public bool ActorSetKnown { get; set; }
    public List<ActorProgress> Actors { get; set; } = [];
    /// <summary>Learners re-placed so far; the failure policy allows one.</summary>
    public int Replacements { get; set; }
    /// <summary>
    /// Every event folded in, oldest first. A store may keep it apart from the document and append to it: then
    /// it holds the first <see cref="TimelineStored"/> entries as read (for a status request) and those added since.
    /// </summary>
    [JsonIgnore]
    public List<ProjectEvent> Timeline { get; set; } = [];

    [JsonIgnore]
    public int TimelineStored { get; set; }

    public void Log(DateTimeOffset at, string name, Guid? actorId = null, string? detail = null) =>
        Timeline.Add(new ProjectEvent { At = at, Event = name, ActorId = actorId, Detail = detail });

    /// <summary>
    /// The earliest deadline still open: readiness, or the start of an actor that has not started. None once the
    /// project is ready or ended; the deadline watcher finds projects by it.
    /// </summary>
    [JsonIgnore]
    public DateTimeOffset? NextDeadline => CurrentState is "Placing" or "Deploying"
        ? Actors.Where(a => !a.Retired && a.StartedAt is null && a.StartDeadline is not null).Select(a => a.StartDeadline)
            .Append(ReadinessDeadline).Where(d => d is not null).Min()
        : null;

    public ActorProgress Actor(Guid actorId, string nodeId)
    {
        var actor = Actors.Find(a => a.ActorId == actorId);
        if (actor is null)
        {
            actor = new ActorProgress { ActorId = actorId, NodeId = nodeId };
            Actors.Add(actor);
        }
        return actor;
    }

    /// <summary>Torn down: every actor removed by its node, or gone with its lost node.</summary>
    [JsonIgnore]
    public bool AllGone => Actors.All(a => a.Gone);

    /// <summary>
    /// Ready: every placed actor that still counts (not replaced) started; every learner also fetched its data,
    /// and every learner and cluster aggregator reached the aggregator above it. An observatory is ready once its
    /// tracking server runs.
    /// </summary>
    [JsonIgnore]
    public bool IsReady => ActorSetKnown && Actors.Count > 0 && Actors.Where(a => !a.Retired).All(a =>
        a.StartedAt is not null && a.FailedAt is null &&
        (a.Role != ActorRoles.Learner || a.DataFetchedAt is not null) &&
        (a.Role is not (ActorRoles.Learner or ActorRoles.ClusterAggregator) || a.ConnectedAt is not null));
}

/// <summary>
/// What the saga knows of one actor: its spec as placed (<see cref="Actor"/>, absent while only its events have
/// come), and the facts its node reported. Each fact is kept on its own, so events that arrive out of order
/// (a DataFetched before its ActorStarted) or twice leave the same result.
/// </summary>
public sealed class ActorProgress
{
    public Guid ActorId { get; set; }
    public string NodeId { get; set; } = "";
    public ActorSpec? Actor { get; set; }
    public DateTimeOffset? PulledAt { get; set; }
    /// <summary>The latest pull progress its node reported, until the image is pulled.</summary>
    public long? PullBytes { get; set; }
    public long? PullBytesTotal { get; set; }
    public DateTimeOffset? StartDeadline { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? DataFetchedAt { get; set; }
    public DateTimeOffset? ConnectedAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
    public string? Failure { get; set; }
    public DateTimeOffset? RemovedAt { get; set; }
    /// <summary>Its node was lost: whatever ran there counts as gone for a teardown, even if the node never comes back.</summary>
    public DateTimeOffset? LostAt { get; set; }
    /// <summary>Failed and handed over to a replacement: no longer counts for readiness.</summary>
    public bool Retired { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    [JsonIgnore]
    public string Role => Actor?.Role ?? "";

    [JsonIgnore]
    public int Instance => Actor?.Instance ?? 0;

    [JsonIgnore]
    public bool Gone => RemovedAt is not null || LostAt is not null;

    [JsonIgnore]
    public string Status =>
        RemovedAt is not null ? ActorStatuses.Undeployed
        : FailedAt is not null ? ActorStatuses.Failed
        : ConnectedAt is not null ? ActorStatuses.Connected
        : DataFetchedAt is not null ? ActorStatuses.DataFetched
        : StartedAt is not null ? ActorStatuses.Running
        : PulledAt is not null ? ActorStatuses.Creating
        : PullBytes is not null ? ActorStatuses.Pulling
        : ActorStatuses.NodeScheduled;
}

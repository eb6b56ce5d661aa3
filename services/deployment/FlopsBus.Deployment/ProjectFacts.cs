using FlopsBus.Contracts;

namespace FlopsBus.Deployment;

/// <summary>
/// Folds one event into what the saga knows. Each fact is kept on its own and first-seen wins, so an event
/// that arrives twice or out of order leaves the same state; every event also lands on the timeline.
/// </summary>
public static class ProjectFacts
{
    public static void Record(ProjectDeploymentState saga, ProjectPlaced placed, DeploymentOptions options)
    {
        var now = DateTimeOffset.UtcNow;
        saga.CustomerId = placed.CustomerId;
        saga.ObservatoryId = placed.ObservatoryId;
        saga.TrackingUrl = placed.TrackingUrl;
        saga.ReadinessTimeout = placed.ReadinessTimeout ?? options.DefaultReadinessTimeout;
        saga.PlacedAt ??= now;
        saga.ReadinessDeadline ??= now + saga.ReadinessTimeout;
        saga.ActorSetKnown = true;
        foreach (var p in placed.Actors) Expect(saga, p, now + options.ActorStartTimeout);
        saga.Log("placed", detail: $"{placed.Actors.Count} actors, ready by {saga.ReadinessDeadline:O}");
    }

    public static void Record(ProjectDeploymentState saga, ActorReplaced replaced, DeploymentOptions options)
    {
        Expect(saga, replaced.Actor, DateTimeOffset.UtcNow + options.ActorStartTimeout);
        saga.Log("replaced", replaced.Actor.ActorId, $"takes over from {replaced.ReplacedActorId} on {replaced.Actor.NodeId}");
    }

    public static void Record(ProjectDeploymentState saga, ImagePulled m)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId)).PulledAt ??= DateTimeOffset.UtcNow;
        saga.Log("image-pulled", m.ActorId, $"{m.Image} in {m.Duration.TotalMilliseconds:F0} ms{(m.AlreadyCached ? " (cached)" : "")}");
    }

    public static void Record(ProjectDeploymentState saga, ActorStarted m)
    {
        var actor = Touch(saga.Actor(m.ActorId, m.NodeId));
        actor.Role = m.Role;
        actor.ContainerId = m.ContainerId;
        actor.StartedAt ??= m.StartedAt;
        saga.Log("started", m.ActorId, $"on {m.NodeId}");
    }

    public static void Record(ProjectDeploymentState saga, DataFetched m)
    {
        var actor = Touch(saga.Actor(m.ActorId, m.NodeId));
        actor.Samples = m.Samples;
        actor.DataFetchedAt ??= DateTimeOffset.UtcNow;
        saga.Log("data-fetched", m.ActorId, $"{m.Samples} samples");
    }

    public static void Record(ProjectDeploymentState saga, AggregatorConnected m)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId)).ConnectedAt ??= DateTimeOffset.UtcNow;
        saga.Log("connected", m.ActorId, m.Aggregator);
    }

    public static void Record(ProjectDeploymentState saga, ActorFailed m)
    {
        var actor = Touch(saga.Actor(m.ActorId, m.NodeId));
        actor.FailedAt ??= DateTimeOffset.UtcNow;
        actor.Failure ??= $"{m.Stage}: {m.Reason}";
        saga.Log("failed", m.ActorId, actor.Failure);
    }

    public static void Record(ProjectDeploymentState saga, ActorRemoved m)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId)).RemovedAt ??= DateTimeOffset.UtcNow;
        saga.Log("removed", m.ActorId);
    }

    /// <summary>The deadline that has passed, as a reason, or null when none has.</summary>
    public static string? PassedDeadline(ProjectDeploymentState saga, DateTimeOffset now)
    {
        if (saga.ReadinessDeadline <= now)
            return $"not ready within {saga.ReadinessTimeout}: {string.Join(", ", saga.Actors.Where(a => !a.Retired && a.Status != ActorStatuses.Connected && !(a.Role != ActorRoles.Learner && a.Status == ActorStatuses.Running)).Select(a => $"{a.Role} {a.Instance} {a.Status}"))}";
        var late = saga.Actors.FirstOrDefault(a => !a.Retired && a.StartedAt is null && a.StartDeadline <= now);
        return late is null ? null : $"{late.Role} {late.Instance} ({late.ActorId}) did not start on {late.NodeId} by {late.StartDeadline:O}";
    }

    private static void Expect(ProjectDeploymentState saga, PlacedActor p, DateTimeOffset startDeadline)
    {
        var actor = Touch(saga.Actor(p.ActorId, p.NodeId));
        actor.StartDeadline ??= startDeadline;
        actor.Role = p.Role;
        actor.Instance = p.Instance;
        actor.NodeId = p.NodeId;
        actor.Image = p.Image;
        actor.Endpoint = p.Endpoint;
    }

    private static ActorProgress Touch(ActorProgress actor)
    {
        actor.UpdatedAt = DateTimeOffset.UtcNow;
        return actor;
    }
}

using FlopsBus.Contracts;

namespace FlopsBus.Deployment;

/// <summary>
/// Folds one event into what the saga knows, at the time <c>now</c> the saga's clock gives. Each fact is kept on its
/// own and first-seen wins, so an event that arrives twice or out of order leaves the same state; every event also
/// lands on the timeline.
/// </summary>
public static class ProjectFacts
{
    public static void Record(ProjectDeploymentState saga, ProjectPlaced placed, DeploymentOptions options, DateTimeOffset now)
    {
        saga.Kind = placed.Kind;
        saga.CustomerId = placed.CustomerId;
        saga.ObservatoryId = placed.ObservatoryId;
        saga.TrackingUrl = placed.TrackingUrl;
        saga.ReadinessTimeout = placed.ReadinessTimeout ?? options.DefaultReadinessTimeout;
        saga.PlacedAt ??= now;
        saga.ReadinessDeadline ??= now + saga.ReadinessTimeout;
        saga.ActorSetKnown = true;
        foreach (var p in placed.Actors) Expect(saga, p, now, now + options.ActorStartTimeout);
        saga.Log(now, "placed", detail: $"{placed.Actors.Count} actors, ready by {saga.ReadinessDeadline:O}");
    }

    public static void Record(ProjectDeploymentState saga, ActorReplaced replaced, DeploymentOptions options, DateTimeOffset now)
    {
        Expect(saga, replaced.Replacement, now, now + options.ActorStartTimeout);
        saga.Log(now, "replaced", replaced.Replacement.Actor.ActorId, $"takes over from {replaced.ReplacedActorId} on {replaced.Replacement.NodeId}");
    }

    /// <summary>Progress, not a fact: kept until the image is pulled, never on the timeline. Reports may cross, so bytes only grow.</summary>
    public static void Record(ProjectDeploymentState saga, ImagePulling m, DateTimeOffset now)
    {
        var actor = saga.Actor(m.ActorId, m.NodeId);
        if (actor.PulledAt is not null || m.BytesPulled <= (actor.PullBytes ?? -1)) return;
        Touch(actor, now);
        (actor.PullBytes, actor.PullBytesTotal) = (m.BytesPulled, m.BytesTotal > 0 ? m.BytesTotal : actor.PullBytesTotal);
    }

    public static void Record(ProjectDeploymentState saga, ImagePulled m, DateTimeOffset now)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId), now).PulledAt ??= now;
        saga.Log(now, "image-pulled", m.ActorId, $"{m.Image} in {m.Duration.TotalMilliseconds:F0} ms" +
            (m.AlreadyCached ? " (cached)" : $", {m.BytesPulled / 1e6:0.#} MB over the wire"));
    }

    public static void Record(ProjectDeploymentState saga, ActorStarted m, DateTimeOffset now)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId), now).StartedAt ??= m.StartedAt;
        saga.Log(now, "started", m.ActorId, $"on {m.NodeId} as {m.ContainerId}");
    }

    public static void Record(ProjectDeploymentState saga, DataFetched m, DateTimeOffset now)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId), now).DataFetchedAt ??= now;
        saga.Log(now, "data-fetched", m.ActorId, $"{m.Samples} samples");
    }

    public static void Record(ProjectDeploymentState saga, AggregatorConnected m, DateTimeOffset now)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId), now).ConnectedAt ??= now;
        saga.Log(now, "connected", m.ActorId, m.Aggregator);
    }

    public static void Record(ProjectDeploymentState saga, ActorFailed m, DateTimeOffset now)
    {
        var actor = Touch(saga.Actor(m.ActorId, m.NodeId), now);
        actor.FailedAt ??= now;
        actor.Failure ??= $"{m.Stage}: {m.Reason}";
        if (m.Stage == FailureStages.NodeLost) actor.LostAt ??= now;
        saga.Log(now, "failed", m.ActorId, $"{m.Stage}: {m.Reason}");
    }

    public static void Record(ProjectDeploymentState saga, ActorRemoved m, DateTimeOffset now)
    {
        Touch(saga.Actor(m.ActorId, m.NodeId), now).RemovedAt ??= now;
        saga.Log(now, "removed", m.ActorId);
    }

    /// <summary>The deadline that has passed, as a reason, or null when none has.</summary>
    public static string? PassedDeadline(ProjectDeploymentState saga, DateTimeOffset now)
    {
        if (saga.ReadinessDeadline <= now)
            return $"not ready within {saga.ReadinessTimeout}: {string.Join(", ", saga.Actors.Where(a => !a.Retired && a.Status != ActorStatuses.Connected && !(a.Role != ActorRoles.Learner && a.Status == ActorStatuses.Running)).Select(a => $"{a.Role} {a.Instance} {a.Status}"))}";
        var late = saga.Actors.FirstOrDefault(a => !a.Retired && a.StartedAt is null && a.StartDeadline <= now);
        return late is null ? null : $"{late.Role} {late.Instance} ({late.ActorId}) did not start on {late.NodeId} by {late.StartDeadline:O}";
    }

    private static void Expect(ProjectDeploymentState saga, PlacedActor p, DateTimeOffset now, DateTimeOffset startDeadline)
    {
        // Reports that came before the placement and turn out to be from a node the actor is not placed on are dropped.
        if (saga.Actors.Find(a => a.ActorId == p.Actor.ActorId) is { Actor: null } early && early.NodeId != p.NodeId)
        {
            saga.Actors.Remove(early);
            saga.Log(now, "dropped", early.ActorId, $"reports from node {early.NodeId}: the actor is placed on {p.NodeId}");
        }
        var actor = Touch(saga.Actor(p.Actor.ActorId, p.NodeId), now);
        actor.StartDeadline ??= startDeadline;
        actor.NodeId = p.NodeId;
        actor.Actor = p.Actor;
    }

    private static ActorProgress Touch(ActorProgress actor, DateTimeOffset now)
    {
        actor.UpdatedAt = now;
        return actor;
    }
}

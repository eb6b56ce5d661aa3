using FlopsBus.Contracts;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// The reports on an actor that take more than the fact itself: a failure is logged as well, a start is read off the
/// running actor. Each is posted to the agent's <see cref="ActorReportOutbox"/>; the task completes once the broker
/// has it.
/// </summary>
public static class ActorReports
{
    public static Task Fail(ActorReportOutbox reports, ILogger logger, string nodeId, ActorSpec actor, string stage, string reason, int? exitCode = null)
    {
        logger.LogWarning("Actor {ActorId} of project {ProjectId} failed at {Stage} on {NodeId}: {Reason}",
            actor.ActorId, actor.ProjectId, stage, nodeId, reason);
        return reports.Post(new ActorFailed
        {
            ProjectId = actor.ProjectId, ActorId = actor.ActorId, NodeId = nodeId, Stage = stage, Reason = reason, ExitCode = exitCode
        });
    }

    public static Task Started(ActorReportOutbox reports, string nodeId, RunningActor actor) =>
        reports.Post(new ActorStarted
        {
            ProjectId = actor.Actor.ProjectId, ActorId = actor.Actor.ActorId, NodeId = nodeId,
            ContainerId = actor.ContainerId, Role = actor.Actor.Role, StartedAt = actor.StartedAt
        });
}

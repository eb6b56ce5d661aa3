using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>How the agent's parts tell the bus about an actor's failure: logged once, published once.</summary>
public static class ActorReports
{
    public static async Task Fail(IPublishEndpoint publish, ILogger logger, string nodeId, ActorSpec actor, string stage, string reason, int? exitCode = null)
    {
        logger.LogWarning("Actor {ActorId} of project {ProjectId} failed at {Stage} on {NodeId}: {Reason}",
            actor.ActorId, actor.ProjectId, stage, nodeId, reason);
        await publish.Publish(new ActorFailed
        {
            ProjectId = actor.ProjectId, ActorId = actor.ActorId, NodeId = nodeId, Stage = stage, Reason = reason, ExitCode = exitCode
        });
    }

    public static Task Started(IPublishEndpoint publish, string nodeId, RunningActor actor) =>
        publish.Publish(new ActorStarted
        {
            ProjectId = actor.Actor.ProjectId, ActorId = actor.Actor.ActorId, NodeId = nodeId,
            ContainerId = actor.ContainerId, Role = actor.Actor.Role, StartedAt = actor.StartedAt
        });
}

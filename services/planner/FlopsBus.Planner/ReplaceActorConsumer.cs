using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>Re-places a failed learner on another qualified node and tells the saga which actor took over.</summary>
public sealed class ReplaceActorConsumer(ProjectPlacer placer, ILogger<ReplaceActorConsumer> logger) : IConsumer<ReplaceActor>
{
    public async Task Consume(ConsumeContext<ReplaceActor> context)
    {
        var replace = context.Message;
        var failed = replace.Actor;
        var decision = placer.Replace(replace);
        if (!decision.Succeeded)
        {
            logger.LogWarning("Could not re-place actor {ActorId} of project {ProjectId}: {Reason}", failed.ActorId, failed.ProjectId, decision.Failure);
            await context.Publish(new ActorReplacementFailed
            {
                ProjectId = failed.ProjectId, ActorId = failed.ActorId, ReasonCode = decision.FailureCode!, Reason = decision.Failure!
            });
            return;
        }
        var replacement = decision.Actors[0];
        await context.Publish(new ActorReplaced { ProjectId = failed.ProjectId, ReplacedActorId = failed.ActorId, Replacement = replacement });
        await context.Deploy(replacement);
        logger.LogInformation("Re-placed actor {ActorId} of project {ProjectId} from {Failed} to {NodeId} as {NewActorId}",
            failed.ActorId, failed.ProjectId, replace.FailedNodeId, replacement.NodeId, replacement.Actor.ActorId);
    }
}

using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>Re-places a failed learner on another qualified node and tells the saga which actor took over.</summary>
public sealed class ReplaceActorConsumer(ProjectPlacements placements, ILogger<ReplaceActorConsumer> logger) : IConsumer<ReplaceActor>
{
    public async Task Consume(ConsumeContext<ReplaceActor> context)
    {
        var replace = context.Message;
        var decision = placements.Replace(replace);
        if (!decision.Succeeded)
        {
            logger.LogWarning("Could not re-place actor {ActorId} of project {ProjectId}: {Reason}", replace.ActorId, replace.ProjectId, decision.Failure);
            await context.Publish(new ActorReplacementFailed
            {
                ProjectId = replace.ProjectId, ActorId = replace.ActorId, ReasonCode = decision.FailureCode!, Reason = decision.Failure!
            });
            return;
        }
        var command = decision.Commands[0];
        await context.Publish(new ActorReplaced
        {
            ProjectId = replace.ProjectId,
            ReplacedActorId = replace.ActorId,
            Actor = decision.Actors[0]
        });
        var agent = await context.GetSendEndpoint(EndpointNames.AgentAddress(command.NodeId));
        await agent.Send(command);
        logger.LogInformation("Re-placed actor {ActorId} of project {ProjectId} from {Failed} to {NodeId} as {NewActorId}",
            replace.ActorId, replace.ProjectId, replace.FailedNodeId, command.NodeId, command.ActorId);
    }
}

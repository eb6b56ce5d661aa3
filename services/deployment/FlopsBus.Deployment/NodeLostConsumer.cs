using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>
/// Turns a lost node into failures of the actors it ran, for every deployment still holding actors; the saga's
/// failure policy then re-places a learner or tears the project down, and a teardown counts them as gone. A node
/// lost twice yields the same failures again, which the saga takes as no news.
/// </summary>
public sealed class NodeLostConsumer(IDeploymentQueries queries) : IConsumer<NodeLost>
{
    public async Task Consume(ConsumeContext<NodeLost> context)
    {
        var lost = context.Message;
        foreach (var (projectId, actorId) in await queries.ActorsOnNode(lost.NodeId, context.CancellationToken))
            await context.Publish(new ActorFailed
            {
                ProjectId = projectId, ActorId = actorId, NodeId = lost.NodeId, Stage = FailureStages.NodeLost,
                Reason = $"node {lost.NodeId} lost: {lost.Reason}"
            });
    }
}

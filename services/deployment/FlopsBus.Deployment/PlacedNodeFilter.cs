using FlopsBus.Hosting;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>
/// A node's report on an actor moves a project only when the project placed that actor on that node. Runs once the
/// saga is loaded, after <see cref="NodeClaimFilter{T}"/> has made sure the node speaks for itself. Before the project
/// is placed, reports are taken provisionally: the placement then drops those from a node other than the actor's
/// (<see cref="ProjectFacts"/>). Reports that no node sent (the saga host's own for lost nodes) are not checked.
/// </summary>
public sealed class PlacedNodeFilter<T>(NodeClaims claims, Func<T, (Guid ActorId, string NodeId)> about)
    : IFilter<SagaConsumeContext<ProjectDeploymentState, T>> where T : class
{
    public async Task Send(SagaConsumeContext<ProjectDeploymentState, T> context, IPipe<SagaConsumeContext<ProjectDeploymentState, T>> next)
    {
        var sender = NodeClaims.SendingNode(context);
        var (actorId, nodeId) = about(context.Message);
        var placed = context.Saga.Actors.Find(a => a.ActorId == actorId);
        if (sender is null || !context.Saga.ActorSetKnown || (placed?.Actor is not null && placed.NodeId == nodeId))
        {
            await next.Send(context);
            return;
        }
        claims.Refuse<T>(sender, RefusalReasons.NotPlacedThere, placed?.Actor is null
            ? $"project {context.Saga.CorrelationId} placed no actor {actorId}"
            : $"actor {actorId} of project {context.Saga.CorrelationId} is placed on node {placed.NodeId}");
        await context.NotifyConsumed(context, TimeSpan.Zero, nameof(PlacedNodeFilter<T>));
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("placedNode");
}

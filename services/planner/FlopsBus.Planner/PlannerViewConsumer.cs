using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// Keeps this planner instance's view current: node registrations and heartbeats (and the actors they report),
/// and capacity given back when an actor is removed or its project fails. It runs on a per-instance endpoint so
/// every planner instance sees every event.
/// </summary>
public sealed class PlannerViewConsumer(ReservationLedger ledger, NodeClaims claims, ILogger<PlannerViewConsumer> logger) :
    IConsumer<NodeRegistered>,
    IConsumer<NodeHeartbeat>,
    IConsumer<ActorRemoved>,
    IConsumer<ProjectFailed>
{
    public Task Consume(ConsumeContext<NodeRegistered> context) => Observe(context, context.Message.Node);

    public Task Consume(ConsumeContext<NodeHeartbeat> context) => Observe(context, context.Message.Node);

    /// <summary>Capacity comes back when the actor's own node removed it; a node's word on another's actor is refused.</summary>
    public Task Consume(ConsumeContext<ActorRemoved> context)
    {
        var removed = context.Message;
        if (!claims.MaySpeakFor(context, removed.NodeId)) return Task.CompletedTask;
        if (NodeClaims.SendingNode(context) is { } sender && ledger.Find(removed.ActorId) is { } placed && placed.NodeId != sender)
        {
            claims.Refuse<ActorRemoved>(sender, RefusalReasons.NotPlacedThere, $"actor {removed.ActorId} is placed on node {placed.NodeId}");
            return Task.CompletedTask;
        }
        ledger.Release(removed.ActorId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProjectFailed> context)
    {
        ledger.ReleaseProject(context.Message.ProjectId);
        return Task.CompletedTask;
    }

    /// <summary>A node speaks for itself only; what one says about another changes nothing.</summary>
    private Task Observe<T>(ConsumeContext<T> context, NodeSnapshot node) where T : class
    {
        if (claims.MaySpeakFor(context, node.NodeId) && ledger.Observe(node))
            logger.LogInformation("Node {NodeId} is back and live again", node.NodeId);
        return Task.CompletedTask;
    }
}

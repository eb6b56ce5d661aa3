using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// Keeps this planner instance's view current: node registrations and heartbeats (and the actors they report; a node
/// whose heartbeat names a snapshot this planner does not hold is asked for it),
/// placements (its own, and those of the planner that is active while this one stands by), and capacity given back
/// when an actor is removed or its project fails. It runs on a per-instance endpoint so every planner instance sees
/// every event.
/// </summary>
public sealed class PlannerViewConsumer(ReservationLedger ledger, NodeRegistry nodes, NodeClaims claims, ILogger<PlannerViewConsumer> logger) :
    IConsumer<NodeRegistered>,
    IConsumer<NodeHeartbeat>,
    IConsumer<ActorRemoved>,
    IConsumer<ProjectFailed>,
    IConsumer<ProjectPlaced>,
    IConsumer<ActorReplaced>
{
    public Task Consume(ConsumeContext<NodeRegistered> context) => Observe(context, context.Message.Node);

    /// <summary>A heartbeat with the node's snapshot updates the view; one with its revision only asks for the snapshot when this planner lacks it.</summary>
    public async Task Consume(ConsumeContext<NodeHeartbeat> context)
    {
        var heartbeat = context.Message;
        if (heartbeat.Node is { } node)
        {
            await Observe(context, node);
            return;
        }
        if (claims.MaySpeakFor(context, heartbeat.NodeId) && !nodes.Heard(heartbeat.NodeId, heartbeat.Revision))
            await context.AskForReport(heartbeat.NodeId);
    }

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

    /// <summary>
    /// Holds what another planner placed, before any node reports it: a standby that takes over places against the
    /// same capacity rather than against heartbeats a few seconds old. Its own placements are held already (no news).
    /// Only services publish placements: no node's account may write to that exchange.
    /// </summary>
    public Task Consume(ConsumeContext<ProjectPlaced> context)
    {
        foreach (var placed in context.Message.Actors)
            ledger.Reserve(placed);
        return Task.CompletedTask;
    }

    /// <summary>A learner re-placed (by this planner or another): its replacement holds, the failed one no longer does.</summary>
    public Task Consume(ConsumeContext<ActorReplaced> context)
    {
        ledger.Release(context.Message.ReplacedActorId);
        ledger.Reserve(context.Message.Replacement);
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

using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// Keeps this planner instance's view current: node registrations and heartbeats (and the actors they report),
/// and capacity given back when an actor is removed or its project fails. It runs on a per-instance endpoint so
/// every planner instance sees every event.
/// </summary>
public sealed class PlannerViewConsumer(ReservationLedger ledger, ILogger<PlannerViewConsumer> logger) :
    IConsumer<NodeRegistered>,
    IConsumer<NodeHeartbeat>,
    IConsumer<ActorRemoved>,
    IConsumer<ProjectFailed>
{
    public Task Consume(ConsumeContext<NodeRegistered> context) => Observe(context.Message.Node);

    public Task Consume(ConsumeContext<NodeHeartbeat> context) => Observe(context.Message.Node);

    public Task Consume(ConsumeContext<ActorRemoved> context)
    {
        ledger.Release(context.Message.ActorId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProjectFailed> context)
    {
        ledger.ReleaseProject(context.Message.ProjectId);
        return Task.CompletedTask;
    }

    private Task Observe(NodeSnapshot node)
    {
        if (ledger.Observe(node))
            logger.LogInformation("Node {NodeId} is back and live again", node.NodeId);
        return Task.CompletedTask;
    }
}

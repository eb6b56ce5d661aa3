using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Planner;

/// <summary>
/// Keeps this planner instance's view current: node registrations and heartbeats, and capacity given back
/// when an actor is removed. It runs on a per-instance endpoint so every planner instance sees every event.
/// </summary>
public sealed class PlannerViewConsumer(NodeRegistry nodes) :
    IConsumer<NodeRegistered>,
    IConsumer<NodeHeartbeat>,
    IConsumer<ActorRemoved>
{
    public Task Consume(ConsumeContext<NodeRegistered> context)
    {
        nodes.Observe(context.Message.Node);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<NodeHeartbeat> context)
    {
        nodes.Observe(context.Message.Node);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ActorRemoved> context)
    {
        nodes.Release(context.Message.ActorId);
        return Task.CompletedTask;
    }
}

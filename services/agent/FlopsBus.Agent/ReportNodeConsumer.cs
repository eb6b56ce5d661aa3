using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Agent;

/// <summary>A planner lacks this node's snapshot (it started, or missed a heartbeat that carried it): a heartbeat with the whole of it, at once.</summary>
public sealed class ReportNodeConsumer(NodeAgent agent) : IConsumer<ReportNode>
{
    public async Task Consume(ConsumeContext<ReportNode> context)
    {
        // A request left in the queue from before a restart waits until the node knows again what it runs.
        await agent.Reconciled.WaitAsync(context.CancellationToken);
        var node = await agent.Snapshot(context.CancellationToken);
        await context.Publish(new NodeHeartbeat { NodeId = node.NodeId, Revision = node.Revision, Node = node });
    }
}

using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// Announces the node once it has reconciled, then heartbeats: with its free capacity, cached images and actors when
/// they changed, with their revision only otherwise (a planner that lacks that revision asks: <see cref="ReportNodeConsumer"/>).
/// A node whose heartbeats could not go out for as long as the planner's grace was probably declared lost: before
/// it reports itself again it removes what the saga retired meanwhile.
/// </summary>
public sealed class NodeHeartbeatService(NodeAgent agent, IBus bus, TimeProvider clock, ILogger<NodeHeartbeatService> logger) : BackgroundService
{
    /// <summary>Missed heartbeats after which the planner takes a node for lost (its default).</summary>
    private const int MissedHeartbeatsForLoss = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await agent.Reconciled.WaitAsync(stoppingToken);
        var registered = false;
        long? reported = null;
        var failures = 0;
        using var timer = new PeriodicTimer(agent.Options.HeartbeatInterval, clock);
        do
        {
            try
            {
                if (failures >= MissedHeartbeatsForLoss)
                    await agent.RemoveRetired(stoppingToken);
                var node = await agent.Snapshot(stoppingToken);
                if (!registered)
                {
                    await bus.Publish(new NodeRegistered { Node = node }, stoppingToken);
                    registered = true;
                    logger.LogInformation("Node {NodeId} registered (add-ons: {AddOns})", node.NodeId, string.Join(",", node.AddOns));
                }
                else
                {
                    // The whole snapshot only when it changed since the last heartbeat that carried it.
                    await bus.Publish(new NodeHeartbeat { NodeId = node.NodeId, Revision = node.Revision, Node = node.Revision == reported ? null : node },
                        stoppingToken);
                }
                reported = node.Revision;
                failures = 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                logger.LogWarning(e, "Heartbeat of node {NodeId} failed ({Failures} in a row); retrying at the next interval", agent.NodeId, failures);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

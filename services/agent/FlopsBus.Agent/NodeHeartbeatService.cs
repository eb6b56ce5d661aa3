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

    /// <summary>
    /// Intervals the broker gets to take a heartbeat before it counts as missed. MassTransit does not fail a publish
    /// while the broker is out of reach: it holds it and tries again until the connection is back, so without a bound
    /// an outage would count as one long heartbeat and never as missed ones. Longer than one interval, so that a broker
    /// slow under load is not taken for a lost one.
    /// </summary>
    private const int IntervalsToTakeAHeartbeat = 2;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await agent.Reconciled.WaitAsync(stoppingToken);
        var registered = false;
        long? reported = null;
        var failures = 0;
        var interval = agent.Options.HeartbeatInterval;
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                if (failures >= MissedHeartbeatsForLoss)
                    await agent.RemoveRetired(stoppingToken);
                var node = await agent.Snapshot(stoppingToken);
                using var patience = new CancellationTokenSource(IntervalsToTakeAHeartbeat * interval, clock);
                using var publishing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, patience.Token);
                if (!registered)
                {
                    await bus.Publish(new NodeRegistered { Node = node }, publishing.Token);
                    registered = true;
                    logger.LogInformation("Node {NodeId} registered (add-ons: {AddOns})", node.NodeId, string.Join(",", node.AddOns));
                }
                else
                {
                    // The whole snapshot only when it changed since the last heartbeat that carried it.
                    await bus.Publish(new NodeHeartbeat { NodeId = node.NodeId, Revision = node.Revision, Node = node.Revision == reported ? null : node },
                        publishing.Token);
                }
                reported = node.Revision;
                failures = 0;
            }
            // A heartbeat the broker did not take in time ends here too, cancelled: it is a missed one like any other.
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                logger.LogWarning(e, "Heartbeat of node {NodeId} failed ({Failures} in a row); retrying at the next interval", agent.NodeId, failures);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>Announces the node once, then heartbeats with its free capacity and cached images.</summary>
public sealed class NodeHeartbeatService(NodeAgent agent, IBus bus, TimeProvider clock, ILogger<NodeHeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var registered = false;
        using var timer = new PeriodicTimer(agent.Options.HeartbeatInterval, clock);
        do
        {
            try
            {
                var node = await agent.Snapshot(stoppingToken);
                if (!registered)
                {
                    await bus.Publish(new NodeRegistered { Node = node }, stoppingToken);
                    registered = true;
                    logger.LogInformation("Node {NodeId} registered (add-ons: {AddOns})", node.NodeId, string.Join(",", node.AddOns));
                }
                else
                {
                    await bus.Publish(new NodeHeartbeat { Node = node, SentAt = clock.GetUtcNow() }, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Heartbeat of node {NodeId} failed; retrying at the next interval", agent.NodeId);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

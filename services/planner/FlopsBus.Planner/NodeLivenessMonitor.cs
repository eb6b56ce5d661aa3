using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>Looks for nodes whose heartbeats stopped and announces each loss once with NodeLost.</summary>
public sealed class NodeLivenessMonitor(NodeRegistry nodes, PlannerOptions options, IBus bus, TimeProvider clock,
    ILogger<NodeLivenessMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var lost in nodes.Sweep())
            {
                logger.LogWarning("Node {NodeId} lost: {Reason}", lost.NodeId, lost.Reason);
                await bus.Publish(lost, stoppingToken);
            }
        }
    }
}

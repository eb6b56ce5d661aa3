using Microsoft.Extensions.Hosting;

namespace FlopsBus.Agent;

/// <summary>
/// Reconciles the agent at start-up, in the two steps the host's order allows: actors are taken back when this
/// service starts, which is before the bus starts consuming this node's commands (the bus is registered after the
/// agent), and the saga is asked about them, and they are reported, once every service has started, the bus included.
/// </summary>
public sealed class NodeReconciliation(NodeAgent agent) : IHostedLifecycleService
{
    public Task StartAsync(CancellationToken cancellationToken) => agent.TakeBack(cancellationToken);

    public Task StartedAsync(CancellationToken cancellationToken) => agent.Reconcile(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

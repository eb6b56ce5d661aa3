using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Deployment;

/// <summary>
/// Announces deployments whose next deadline has passed. RabbitMQ here has no delayed-message plugin, so the
/// deadlines live in the saga's store and are found by scanning: one that fell while the host was down is found on
/// the first scan after it starts. The saga checks a deadline is really due before acting on it. Time comes from
/// the host's <see cref="TimeProvider"/>, so tests move a clock instead of waiting. It starts scanning once the host
/// has started, the bus included: a deadline announced before the saga's endpoint is bound would go nowhere.
/// </summary>
public sealed class DeadlineWatcher(IDeploymentQueries queries, DeploymentOptions options, IBus bus, TimeProvider clock,
    IServiceProvider services, ILogger<DeadlineWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A test harness runs hosted services without a host, hence without a lifetime: it starts scanning at once.
        if (services.GetService(typeof(IHostApplicationLifetime)) is IHostApplicationLifetime lifetime)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
                await started.Task.WaitAsync(stoppingToken);
        }
        using var timer = new PeriodicTimer(options.DeadlineScanInterval, clock);
        var failing = false;
        do
        {
            try
            {
                foreach (var projectId in await queries.PassedDeadlines(clock.GetUtcNow(), stoppingToken))
                    await bus.Publish(new ProjectDeadlinePassed { ProjectId = projectId }, stoppingToken);
                if (failing) logger.LogInformation("Scanning for passed deadlines works again");
                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Once per outage, not once a scan: a database down for minutes would fill the log.
                if (!failing) logger.LogWarning(e, "Scanning for passed deadlines failed; trying at every scan until it works");
                failing = true;
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

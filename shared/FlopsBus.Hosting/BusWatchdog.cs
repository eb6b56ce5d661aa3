using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Hosting;

/// <summary>
/// Ends a service whose bus has not been healthy for <see cref="BusOptions.UnhealthyExitAfter"/>, with exit code
/// <see cref="ExitCode"/>, so that its supervisor (systemd, compose's restart policy) starts it afresh. MassTransit
/// reconnects by itself after a broker outage, but an endpoint can be left stopped for good (an acknowledgement that
/// failed with the connection; seen with the saga host behind a cut link): a fresh start recovers, and every service
/// is safe to restart (the agent takes its actors back, the planner learns its nodes again, the saga lives in its store).
/// </summary>
public sealed class BusWatchdog(IBusControl bus, BusOptions options, IHostApplicationLifetime lifetime, TimeProvider clock,
    ILogger<BusWatchdog> logger) : BackgroundService
{
    /// <summary>EX_TEMPFAIL: a temporary failure, try again.</summary>
    public const int ExitCode = 75;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.UnhealthyExitAfter <= TimeSpan.Zero) return;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);

        var interval = TimeSpan.FromTicks(Math.Clamp(options.UnhealthyExitAfter.Ticks / 4, TimeSpan.FromMilliseconds(250).Ticks, TimeSpan.FromSeconds(5).Ticks));
        using var timer = new PeriodicTimer(interval, clock);
        DateTimeOffset? unhealthySince = null;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var health = bus.CheckHealth();
            if (health.Status == BusHealthStatus.Healthy)
            {
                unhealthySince = null;
                continue;
            }
            var now = clock.GetUtcNow();
            unhealthySince ??= now;
            if (now - unhealthySince < options.UnhealthyExitAfter) continue;
            logger.LogCritical("The bus has been {Status} for {Duration} ({Description}): exiting with code {ExitCode} to be started afresh",
                health.Status, now - unhealthySince, health.Description, ExitCode);
            Environment.ExitCode = ExitCode;
            lifetime.StopApplication();
            return;
        }
    }
}

using System.Diagnostics.Metrics;
using FlopsBus.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Deployment;

/// <summary>
/// The metric "flops.actors": actors of deployments under way or ready, by status. Counted from the stored
/// deployments every <see cref="DeploymentOptions.MetricsInterval"/>, so every saga host reports the same whole
/// and a restart loses nothing; the gauge reads the last count.
/// </summary>
public sealed class ActorStatusGauge : BackgroundService
{
    private readonly IDeploymentQueries _queries;
    private readonly DeploymentOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ActorStatusGauge> _logger;
    private volatile IReadOnlyDictionary<string, int> _counts = new Dictionary<string, int>();

    public ActorStatusGauge(IDeploymentQueries queries, DeploymentOptions options, TimeProvider clock, ILogger<ActorStatusGauge> logger)
    {
        _queries = queries;
        _options = options;
        _clock = clock;
        _logger = logger;
        FlopsTelemetry.Meter.CreateObservableGauge("flops.actors",
            () => _counts.Select(c => new Measurement<int>(c.Value, new KeyValuePair<string, object?>("flops.status", c.Key))),
            "{actor}", "Actors of deployments under way or ready, by status");
    }

    public IReadOnlyDictionary<string, int> Counts => _counts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.MetricsInterval, _clock);
        var failing = false;
        do
        {
            try
            {
                _counts = await _queries.ActorsByStatus(stoppingToken);
                if (failing) _logger.LogInformation("Counting actors by status works again");
                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Once per outage, as the deadline watcher does: a database down for minutes would fill the log.
                if (!failing) _logger.LogWarning(e, "Counting actors by status failed; the gauge keeps its last count until it works");
                failing = true;
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

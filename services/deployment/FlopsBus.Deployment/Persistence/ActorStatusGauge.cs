using System.Diagnostics.Metrics;
using Dapper;
using FlopsBus.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// The metric "flops.actors": actors of deployments under way or ready, by status. Counted from the stored
/// deployments every <see cref="DeploymentOptions.MetricsInterval"/>, so every saga host reports the same whole
/// and a restart loses nothing; the gauge reads the last count.
/// </summary>
public sealed class ActorStatusGauge : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly DeploymentOptions _options;
    private readonly ILogger<ActorStatusGauge> _logger;
    private volatile IReadOnlyDictionary<string, int> _counts = new Dictionary<string, int>();

    public ActorStatusGauge(NpgsqlDataSource dataSource, DeploymentOptions options, ILogger<ActorStatusGauge> logger)
    {
        _dataSource = dataSource;
        _options = options;
        _logger = logger;
        FlopsTelemetry.Meter.CreateObservableGauge("flops.actors",
            () => _counts.Select(c => new Measurement<int>(c.Value, new KeyValuePair<string, object?>("flops.status", c.Key))),
            "{actor}", "Actors of deployments under way or ready, by status");
    }

    public IReadOnlyDictionary<string, int> Counts => _counts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.MetricsInterval);
        do
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken);
                var documents = await connection.QueryAsync<string>(new CommandDefinition(
                    "SELECT state::text FROM project_deployments WHERE current_state IN ('Placing', 'Deploying', 'Ready')",
                    cancellationToken: stoppingToken));
                _counts = documents.Select(ProjectDeploymentStore.Read)
                    .SelectMany(d => d.Actors.Where(a => !a.Retired))
                    .GroupBy(a => a.Status)
                    .ToDictionary(g => g.Key, g => g.Count());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Counting actors by status failed; the gauge keeps its last count");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

using Dapper;
using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Announces deployments whose next deadline has passed. RabbitMQ here has no delayed-message plugin, so the
/// deadlines live in PostgreSQL with the saga and are found by scanning: one that fell while the host was down
/// is found on the first scan after it starts. The saga checks a deadline is really due before acting on it.
/// </summary>
public sealed class DeadlineWatcher(NpgsqlDataSource dataSource, DeploymentOptions options, IBus bus, ILogger<DeadlineWatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.DeadlineScanInterval);
        do
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                var due = await connection.QueryAsync<Guid>(new CommandDefinition(
                    "SELECT correlation_id FROM project_deployments WHERE next_deadline <= now()", cancellationToken: stoppingToken));
                foreach (var projectId in due)
                    await bus.Publish(new ProjectDeadlinePassed { ProjectId = projectId }, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Scanning for passed deadlines failed; trying again at the next scan");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

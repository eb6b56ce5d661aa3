using System.Text.Json;
using FlopsBus.Contracts;
using MassTransit;
using MassTransit.Saga;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// The queries over MassTransit's in-memory saga store (the embedded system and unit tests). Its instances are the
/// live objects the saga changes, so each is read as a copy (its stored document), taken again if a change was
/// under way while it was copied.
/// </summary>
public sealed class InMemoryDeploymentQueries(IQuerySagaRepository<ProjectDeploymentState> query, ILoadSagaRepository<ProjectDeploymentState> load)
    : IDeploymentQueries
{
    public async Task<IReadOnlyList<(Guid ProjectId, Guid ActorId)>> ActorsOnNode(string nodeId, CancellationToken cancellationToken) =>
        (await All())
            .Where(d => DeploymentStates.HoldingActors.Contains(d.CurrentState))
            .SelectMany(d => d.Actors.Where(a => a.NodeId == nodeId && !a.Gone).Select(a => (d.CorrelationId, a.ActorId)))
            .ToList();

    public async Task<IReadOnlyList<Guid>> PassedDeadlines(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await All()).Where(d => d.NextDeadline <= now).Select(d => d.CorrelationId).ToList();

    public async Task<IReadOnlyList<Guid>> Retired(IReadOnlyCollection<ActorSpec> actors, CancellationToken cancellationToken)
    {
        var retired = new List<Guid>();
        foreach (var project in actors.GroupBy(a => a.ProjectId))
        {
            if (await Copy(project.Key) is not { } deployment) continue;
            foreach (var actor in project)
            {
                var known = deployment.Actors.Find(a => a.ActorId == actor.ActorId);
                if (DeploymentStates.Over.Contains(deployment.CurrentState) || known is { Retired: true } || known?.RemovedAt is not null)
                    retired.Add(actor.ActorId);
            }
        }
        return retired;
    }

    public async Task<IReadOnlyList<ProjectSummary>> List(string? customerId, int limit, CancellationToken cancellationToken) =>
        (await All())
            .Where(d => customerId is null || d.CustomerId == customerId)
            .Select(ProjectStatusView.Summary)
            .OrderByDescending(s => s.UpdatedAt)
            .Take(limit)
            .ToList();

    public async Task<IReadOnlyDictionary<string, int>> ActorsByStatus(CancellationToken cancellationToken) =>
        ProjectStatusView.CountByStatus((await All()).Where(d => DeploymentStates.UnderWayOrReady.Contains(d.CurrentState)));

    private async Task<List<ProjectDeploymentState>> All()
    {
        var copies = new List<ProjectDeploymentState>();
        foreach (var id in await query.Find(new SagaQuery<ProjectDeploymentState>(_ => true)))
            if (await Copy(id) is { } copy) copies.Add(copy);
        return copies;
    }

    private async Task<ProjectDeploymentState?> Copy(Guid id)
    {
        for (var attempt = 1; ; attempt++)
        {
            var instance = await load.Load(id);
            if (instance is null) return null;
            try
            {
                return ProjectDeploymentStore.Read(JsonSerializer.Serialize(instance, StoredDocument.Default.ProjectDeploymentState));
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // The saga changed the instance's actors while it was copied; the next copy sees the change through.
            }
        }
    }
}

using FlopsBus.Contracts;

namespace FlopsBus.Deployment;

public static class ProjectStatusView
{
    public static ProjectStatus From(ProjectDeploymentState saga) => new()
    {
        ProjectId = saga.CorrelationId,
        Kind = saga.Kind,
        CustomerId = saga.CustomerId,
        Status = StatusWord(saga.CurrentState),
        Reason = saga.Reason,
        SubmittedAt = saga.PlacedAt,
        ReadyAt = saga.ReadyAt,
        ObservatoryId = saga.ObservatoryId,
        TrackingUrl = saga.TrackingUrl,
        Actors = saga.Actors
            .Where(a => !a.Retired)
            .OrderBy(a => RoleOrder(a.Role)).ThenBy(a => a.Instance)
            .Select(a => new ActorStatus
            {
                ActorId = a.ActorId, Role = a.Role, Instance = a.Instance, NodeId = a.NodeId,
                Status = a.Status, UpdatedAt = a.UpdatedAt,
                PullBytes = a.PulledAt is null ? a.PullBytes : null, PullBytesTotal = a.PulledAt is null ? a.PullBytesTotal : null,
            }).ToList(),
        Timeline = saga.Timeline,
    };

    /// <summary>The actors of these deployments that still count (not retired), by status: the actor gauge's figures.</summary>
    public static IReadOnlyDictionary<string, int> CountByStatus(IEnumerable<ProjectDeploymentState> deployments) =>
        deployments.SelectMany(d => d.Actors.Where(a => !a.Retired)).GroupBy(a => a.Status).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>One line of the listing, for a store that holds the instances themselves.</summary>
    public static ProjectSummary Summary(ProjectDeploymentState saga)
    {
        var submitted = saga.PlacedAt ?? saga.Actors.Select(a => (DateTimeOffset?)a.UpdatedAt).Min() ?? DateTimeOffset.MinValue;
        return new ProjectSummary
        {
            ProjectId = saga.CorrelationId, Kind = saga.Kind, CustomerId = saga.CustomerId, Status = StatusWord(saga.CurrentState),
            Actors = saga.Actors.Count, SubmittedAt = submitted,
            UpdatedAt = saga.Actors.Select(a => a.UpdatedAt).Append(saga.ReadyAt ?? submitted).Max(),
        };
    }

    private static int RoleOrder(string role) => role switch
    {
        ActorRoles.TrackingServer or ActorRoles.Aggregator or ActorRoles.RootAggregator => 0,
        ActorRoles.ClusterAggregator => 1,
        _ => 2
    };

    /// <summary>State names as the status table says them: TearingDown is TEARING_DOWN.</summary>
    public static string StatusWord(string state) => state switch
    {
        "Initial" or "Placing" => ProjectStatuses.Placing,
        "Deploying" => ProjectStatuses.Deploying,
        "Ready" => ProjectStatuses.Ready,
        "Failed" => ProjectStatuses.Failed,
        "TearingDown" => ProjectStatuses.TearingDown,
        "Undeployed" => ProjectStatuses.Undeployed,
        _ => state.ToUpperInvariant()
    };
}

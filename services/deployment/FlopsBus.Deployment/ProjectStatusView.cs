using FlopsBus.Contracts;

namespace FlopsBus.Deployment;

public static class ProjectStatusView
{
    public static ProjectStatus From(ProjectDeploymentState saga) => new()
    {
        ProjectId = saga.CorrelationId,
        CustomerId = saga.CustomerId,
        Status = StatusWord(saga.CurrentState),
        Reason = saga.Reason,
        SubmittedAt = saga.PlacedAt,
        ReadyAt = saga.ReadyAt,
        Actors = saga.Actors
            .OrderBy(a => a.Role != ActorRoles.Aggregator).ThenBy(a => a.Instance)
            .Select(a => new ActorStatus
            {
                ActorId = a.ActorId, Role = a.Role, Instance = a.Instance, NodeId = a.NodeId,
                Status = a.Status, UpdatedAt = a.UpdatedAt
            }).ToList()
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

using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Cli;

/// <summary>Asks the deployment saga for a project's status; null when the saga does not know the project.</summary>
public static class ProjectStatusQuery
{
    public static async Task<ProjectStatus?> Get(IBus bus, Guid projectId, CancellationToken cancellationToken)
    {
        var client = bus.CreateRequestClient<GetProjectStatus>(EndpointNames.DeploymentAddress);
        var response = await client.GetResponse<ProjectStatus, ProjectNotFound>(new GetProjectStatus { ProjectId = projectId }, cancellationToken);
        return response.Is(out Response<ProjectStatus>? status) ? status.Message : null;
    }

    /// <summary>The status of the customer's observatory the project logs to, if it has one and the saga knows it.</summary>
    public static Task<ProjectStatus?> GetObservatory(IBus bus, ProjectStatus project, CancellationToken cancellationToken) =>
        project.ObservatoryId is { } id ? Get(bus, id, cancellationToken) : Task.FromResult<ProjectStatus?>(null);

    /// <summary>READY, FAILED, UNDEPLOYED: nothing more will happen to the project by itself.</summary>
    public static bool IsSettled(ProjectStatus status) =>
        status.Status is ProjectStatuses.Ready or ProjectStatuses.Failed or ProjectStatuses.Undeployed;
}

using Docker.DotNet;
using Docker.DotNet.Models;
using FlopsBus.Agent;

namespace FlopsBus.IntegrationTests;

/// <summary>The containers the engine holds for a node, by label, and their removal once a test is over.</summary>
public static class NodeContainers
{
    public static async Task<IList<ContainerListResponse>> Labelled(this DockerClient docker, string label, string value) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{label}={value}"] = true } }
        });

    /// <summary>
    /// Removes every container of the node. An agent killed while removing one leaves the engine finishing that
    /// removal: a container already gone, or already being removed, is what cleanup wants anyway.
    /// </summary>
    public static async Task RemoveAllOfNode(this DockerClient docker, string nodeId)
    {
        foreach (var container in await docker.Labelled(Labels.Node, nodeId))
        {
            try
            {
                await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            }
            catch (DockerContainerNotFoundException) { }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict) { }
        }
    }
}

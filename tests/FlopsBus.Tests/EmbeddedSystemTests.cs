using FlopsBus.Cli;
using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Tests;

/// <summary>
/// The embedded path end to end: in-memory transport, real sample actors as local processes, learners that
/// really read their data and really connect to the aggregator over TCP.
/// </summary>
public sealed class EmbeddedSystemTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("flops-test-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task A_sample_project_becomes_ready_with_every_learner_connected()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var host = EmbeddedSystem.Build(_data.FullName);
        await host.StartAsync(timeout.Token);
        await EmbeddedSystem.WaitForNodes(host.Services, timeout.Token);
        var bus = host.Services.GetRequiredService<IBus>();

        var project = EmbeddedSystem.SampleProject(learners: 2);
        await using var outcome = await ProjectOutcome.Listen(bus, project.ProjectId);
        await bus.Publish(project, timeout.Token);
        var (ready, reason) = await outcome.Task.WaitAsync(timeout.Token);

        Assert.True(ready, reason);
        var response = await bus.CreateRequestClient<GetProjectStatus>(new Uri($"queue:{EndpointNames.Deployment}"))
            .GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = project.ProjectId }, timeout.Token);
        Assert.Equal(ProjectStatuses.Ready, response.Message.Status);
        Assert.Equal(
            [(ActorRoles.Aggregator, "node-1", ActorStatuses.Running), (ActorRoles.Learner, "node-2", ActorStatuses.Connected), (ActorRoles.Learner, "node-3", ActorStatuses.Connected)],
            response.Message.Actors.Select(a => (a.Role, a.NodeId!, a.Status)).Order());
        await host.StopAsync(timeout.Token);
    }

    [Fact]
    public async Task A_hierarchical_project_is_ready_once_the_cluster_aggregator_reached_the_root()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var host = EmbeddedSystem.Build(_data.FullName);
        await host.StartAsync(timeout.Token);
        await EmbeddedSystem.WaitForNodes(host.Services, timeout.Token);
        var bus = host.Services.GetRequiredService<IBus>();

        var project = EmbeddedSystem.SampleProject(learners: 2, ProjectModes.Hierarchical);
        await using var outcome = await ProjectOutcome.Listen(bus, project.ProjectId);
        await bus.Publish(project, timeout.Token);
        var (ready, reason) = await outcome.Task.WaitAsync(timeout.Token);

        Assert.True(ready, reason);
        var response = await bus.CreateRequestClient<GetProjectStatus>(new Uri($"queue:{EndpointNames.Deployment}"))
            .GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = project.ProjectId }, timeout.Token);
        Assert.Equal(
            [(ActorRoles.RootAggregator, ActorStatuses.Running), (ActorRoles.ClusterAggregator, ActorStatuses.Connected),
             (ActorRoles.Learner, ActorStatuses.Connected), (ActorRoles.Learner, ActorStatuses.Connected)],
            response.Message.Actors.Select(a => (a.Role, a.Status)));
        await host.StopAsync(timeout.Token);
    }
}

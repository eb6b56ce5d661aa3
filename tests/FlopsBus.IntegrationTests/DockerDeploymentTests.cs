using Docker.DotNet.Models;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The whole path on the real parts: RabbitMQ, PostgreSQL, three agent processes on the Docker engine (two
/// with the flops-learner add-on), the sample images from the registry on 127.0.0.1:5000.
/// </summary>
public sealed class DockerDeploymentTests : IAsyncLifetime
{
    private readonly ThreeNodeCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_project_of_one_aggregator_and_two_learners_becomes_ready_in_containers_and_is_removed()
    {
        var system = _cluster.System;
        var project = _cluster.SampleProject(learners: 2);
        await system.Bus.Publish(project);
        await _cluster.WaitForReady(project.ProjectId);

        var placed = system.Events.All<ProjectPlaced>().Single(p => p.ProjectId == project.ProjectId);
        var running = await _cluster.Containers(project.ProjectId);
        Assert.Equal(3, running.Count);
        Assert.All(running, c => Assert.Equal("running", c.State));
        Assert.Equal(
            placed.Actors.Select(a => (a.Actor.ActorId.ToString(), a.Actor.Role, a.NodeId)).Order(),
            running.Select(c => (c.Labels[Labels.Actor], c.Labels[Labels.Role], c.Labels[Labels.Node])).Order());
        var learnerNodes = placed.Actors.Where(a => a.Actor.Role == ActorRoles.Learner).Select(a => a.NodeId).ToList();
        Assert.DoesNotContain(_cluster.Agents[0].NodeId, learnerNodes);
        // The sample aggregator and learners reached READY confined: no root, a read-only root filesystem, a process limit.
        foreach (var container in running)
        {
            var inspected = await _cluster.EngineOf(container.Labels[Labels.Node]).Containers.InspectContainerAsync(container.ID);
            Assert.Equal(("65534:65534", true, 256L, true, "ALL"),
                (inspected.Config.User, inspected.HostConfig.ReadonlyRootfs, inspected.HostConfig.PidsLimit,
                 inspected.HostConfig.SecurityOpt.Contains("no-new-privileges"), inspected.HostConfig.CapDrop.Single()));
        }

        foreach (var actor in placed.Actors)
        {
            var agent = await system.Bus.GetSendEndpoint(EndpointNames.AgentAddress(actor.NodeId));
            await agent.Send(new RemoveActor { ProjectId = project.ProjectId, ActorId = actor.Actor.ActorId, NodeId = actor.NodeId, Reason = "test over" });
        }
        await system.Events.WaitFor<ActorRemoved>(r => r.ProjectId == project.ProjectId, ThreeNodeCluster.Patience, count: 3);
        Assert.Empty(await _cluster.Containers(project.ProjectId, all: true));
    }

    [Fact]
    public async Task A_customers_projects_share_one_tracking_server_that_their_aggregators_reach_before_listening()
    {
        var system = _cluster.System;
        var first = _cluster.SampleProject(learners: 1);
        var second = _cluster.SampleProject(learners: 1);
        await system.Bus.Publish(first);
        await _cluster.WaitForReady(first.ProjectId);
        await system.Bus.Publish(second);
        await _cluster.WaitForReady(second.ProjectId);

        var placed = system.Events.All<ProjectPlaced>();
        var observatory = Assert.Single(placed, p => p.Actors.Any(a => a.Actor.Role == ActorRoles.TrackingServer));
        Assert.All(placed.Where(p => p.ProjectId == first.ProjectId || p.ProjectId == second.ProjectId),
            p => Assert.Equal((observatory.ProjectId, observatory.TrackingUrl), (p.ObservatoryId, p.TrackingUrl)));
        var tracking = Assert.Single(await _cluster.Containers(), c => c.Labels[Labels.Role] == ActorRoles.TrackingServer);
        Assert.Equal((observatory.ProjectId.ToString(), "running"), (tracking.Labels[Labels.Project], tracking.State));

        foreach (var project in new[] { first, second })
        {
            var aggregator = Assert.Single(await _cluster.Containers(project.ProjectId), c => c.Labels[Labels.Role] == ActorRoles.Aggregator);
            var inspected = await _cluster.EngineOf(aggregator.Labels[Labels.Node]).Containers.InspectContainerAsync(aggregator.ID);
            Assert.Contains($"FLOPS_TRACKING_URL={observatory.TrackingUrl}", inspected.Config.Env);
            var lines = (await Logs(aggregator)).Split('\n');
            var reached = Array.FindIndex(lines, l => l.Contains($"tracking server {observatory.TrackingUrl} reachable"));
            var listening = Array.FindIndex(lines, l => l.Contains("listening on"));
            Assert.True(reached >= 0 && reached < listening, "aggregator output:\n" + string.Join('\n', lines));
        }

        var status = await system.Bus.CreateRequestClient<GetProjectStatus>(EndpointNames.DeploymentAddress)
            .GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = observatory.ProjectId });
        Assert.Equal(ProjectStatuses.Ready, status.Message.Status);
        Assert.Equal((ActorRoles.TrackingServer, ActorStatuses.Running), (status.Message.Actors.Single().Role, status.Message.Actors.Single().Status));
    }

    [Fact]
    public async Task A_restarted_planner_takes_back_the_customers_tracking_server_from_what_the_nodes_report()
    {
        var system = _cluster.System;
        var first = _cluster.SampleProject(learners: 1);
        await system.Bus.Publish(first);
        await _cluster.WaitForReady(first.ProjectId);
        var observatoryId = system.Events.All<ProjectPlaced>().Single(p => p.ProjectId == first.ProjectId).ObservatoryId;

        await system.Stop();
        await system.Start();
        await system.WaitForNodes(3, ThreeNodeCluster.Patience);
        var second = _cluster.SampleProject(learners: 1);
        await system.Bus.Publish(second);
        await _cluster.WaitForReady(second.ProjectId);

        var placed = system.Events.All<ProjectPlaced>();
        Assert.Equal(observatoryId, placed.Single(p => p.ProjectId == second.ProjectId).ObservatoryId);
        Assert.DoesNotContain(placed, p => p.Actors.Any(a => a.Actor.Role == ActorRoles.TrackingServer));
        Assert.Single(await _cluster.Containers(), c => c.Labels[Labels.Role] == ActorRoles.TrackingServer);
    }

    private async Task<string> Logs(ContainerListResponse container)
    {
        using var stream = await _cluster.EngineOf(container.Labels[Labels.Node]).Containers.GetContainerLogsAsync(container.ID, tty: false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, CancellationToken.None);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        return stdout + stderr;
    }
}

using FlopsBus.Agent;
using FlopsBus.Contracts;

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

        try
        {
            await system.Events.WaitFor<ProjectReady>(r => r.ProjectId == project.ProjectId, ThreeNodeCluster.Patience);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + _cluster.AgentOutput, e);
        }

        var placed = system.Events.All<ProjectPlaced>().Single(p => p.ProjectId == project.ProjectId);
        var running = await _cluster.Containers(project.ProjectId);
        Assert.Equal(3, running.Count);
        Assert.All(running, c => Assert.Equal("running", c.State));
        Assert.Equal(
            placed.Actors.Select(a => (a.ActorId.ToString(), a.Role, a.NodeId)).Order(),
            running.Select(c => (c.Labels[Labels.Actor], c.Labels[Labels.Role], c.Labels[Labels.Node])).Order());
        var learnerNodes = placed.Actors.Where(a => a.Role == ActorRoles.Learner).Select(a => a.NodeId).ToList();
        Assert.DoesNotContain(_cluster.Agents[0].NodeId, learnerNodes);

        foreach (var actor in placed.Actors)
        {
            var agent = await system.Bus.GetSendEndpoint(EndpointNames.AgentAddress(actor.NodeId));
            await agent.Send(new RemoveActor { ProjectId = project.ProjectId, ActorId = actor.ActorId, NodeId = actor.NodeId, Reason = "test over" });
        }
        await system.Events.WaitFor<ActorRemoved>(r => r.ProjectId == project.ProjectId, ThreeNodeCluster.Patience, count: 3);
        Assert.Empty(await _cluster.Containers(project.ProjectId, all: true));
    }
}

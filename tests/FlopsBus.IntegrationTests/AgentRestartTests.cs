using Docker.DotNet.Models;
using Docker.DotNet;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// A restart of the agent is not a restart of the node: planner and saga on the real broker and database, one
/// worker node whose agent (a process on the real engine) is killed or stopped while its actors run.
/// </summary>
public sealed class AgentRestartTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly PlannerAndSagaOnRabbitMq _system = new();
    private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(TestEnvironment.DockerEndpoint)).CreateClient();
    private readonly DirectoryInfo _data = NodeDataFolder.Create("flops-restart-it-");
    private readonly Guid _projectId = Guid.NewGuid();
    private Dictionary<string, string> _settings = null!;
    private AgentProcess _agent = null!;
    private Dictionary<string, string?> _agentBus = null!;

    private string NodeId => $"it-restart-{_system.VirtualHost[^6..]}";

    public async Task InitializeAsync()
    {
        await _system.InitializeAsync();
        var tag = Directory.CreateDirectory(Path.Combine(_data.FullName, "mnist"));
        await File.WriteAllLinesAsync(Path.Combine(tag.FullName, "part-0.csv"), Enumerable.Range(0, 700).Select(n => $"{n},{n % 10}"));
        // Below the ephemeral range (32768-60999), where no outgoing connection can hold it.
        var port = 30500 + Random.Shared.Next(0, 50) * 10;
        _settings = new Dictionary<string, string>
        {
            ["Runtime"] = "docker",
            ["DockerEndpoint"] = TestEnvironment.DockerEndpoint,
            ["DataDir"] = _data.FullName,
            // One node for every actor: it learns too.
            ["AddOns:0"] = NodeAddOns.FlopsLearner,
            ["PortRangeStart"] = port.ToString(),
            ["PortRangeEnd"] = (port + 9).ToString(),
            // The default interval on purpose: the planner takes a node silent for three intervals as lost, and a
            // restart of the agent must fit in that grace (15 s), as in production.
            ["HeartbeatInterval"] = "00:00:05",
            ["StopGracePeriod"] = "00:00:02",
        };
        _agentBus = await _system.NodeBusSettings(NodeId);
        _agent = new AgentProcess(NodeId, _agentBus, _settings);
        await _system.WaitForNodes(1, Patience);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        // Everything on the node: the project's actors and the customer's tracking server.
        await _docker.RemoveAllOfNode(NodeId);
        await _system.DisposeAsync();
        _docker.Dispose();
        _data.Delete(recursive: true);
    }

    private Task<IList<ContainerListResponse>> ProjectContainers() => _docker.Labelled(Labels.Project, _projectId.ToString());

    private Task Submit() => _system.Bus.Publish(new ProjectSubmitted
    {
        ProjectId = _projectId, CustomerId = "restart", Learners = 2, DataTags = ["mnist"],
        AggregatorImage = TestEnvironment.AggregatorImage, LearnerImage = TestEnvironment.LearnerImage,
    });

    private async Task WaitForReady()
    {
        try
        {
            await _system.Events.WaitFor<ProjectReady>(r => r.ProjectId == _projectId, Patience);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + _agent.Output, e);
        }
    }

    /// <summary>One running container per placed actor, no more, and no actor reported failed.</summary>
    private async Task<IList<ContainerListResponse>> AssertOneRunningContainerPerActor()
    {
        var placed = _system.Events.All<ProjectPlaced>().Single(p => p.ProjectId == _projectId);
        var containers = await ProjectContainers();
        Assert.Equal(placed.Actors.Select(a => a.Actor.ActorId.ToString()).Order(), containers.Select(c => c.Labels[Labels.Actor]).Order());
        Assert.All(containers, c => Assert.Equal("running", c.State));
        Assert.DoesNotContain(_system.Events.All<ActorFailed>(), f => f.ProjectId == _projectId);
        return containers;
    }

    private async Task RemoveAll()
    {
        var placed = _system.Events.All<ProjectPlaced>().Single(p => p.ProjectId == _projectId);
        var agent = await _system.Bus.GetSendEndpoint(EndpointNames.AgentAddress(NodeId));
        foreach (var actor in placed.Actors)
            await agent.Send(new RemoveActor { ProjectId = _projectId, ActorId = actor.Actor.ActorId, NodeId = NodeId, Reason = "test over" });
        await _system.Events.WaitFor<ActorRemoved>(r => r.ProjectId == _projectId, Patience, count: placed.Actors.Count);
        Assert.Empty(await ProjectContainers());
    }

    [Fact]
    public async Task An_agent_killed_in_the_middle_of_a_deployment_and_started_again_leaves_one_container_per_actor_and_a_ready_project()
    {
        await Submit();
        // One actor runs, the others are being made, wait in the queue, or run with their reports still in the agent's
        // outbox. Whether the project was READY by the time the kill lands is a race with those reports (they go out
        // back to back once the broker takes the first), so the test does not depend on it: whatever the agent had not
        // finished, its successor finishes, with one container per actor.
        await _system.Events.WaitFor<ActorStarted>(s => s.ProjectId == _projectId, Patience);
        await _agent.Kill();
        Assert.NotEmpty(await ProjectContainers());
        await _agent.DisposeAsync();
        _agent = new AgentProcess(NodeId, _agentBus, _settings);

        await WaitForReady();
        await AssertOneRunningContainerPerActor();
        await RemoveAll();
    }

    [Fact]
    public async Task An_agent_stopped_gracefully_leaves_its_actors_running_and_reports_them_again_when_it_starts()
    {
        await Submit();
        await WaitForReady();
        var before = await AssertOneRunningContainerPerActor();

        await _agent.Stop(TimeSpan.FromSeconds(60));
        Assert.Equal(0, _agent.ExitCode);
        await _agent.DisposeAsync();
        var whileStopped = await AssertOneRunningContainerPerActor();
        Assert.Equal(before.Select(c => c.ID).Order(), whileStopped.Select(c => c.ID).Order());

        _agent = new AgentProcess(NodeId, _agentBus, _settings);
        // Each actor is reported again from its own container, and the learners' output is read again from the start.
        foreach (var container in before)
        {
            var actorId = Guid.Parse(container.Labels[Labels.Actor]);
            await _system.Events.WaitFor<ActorStarted>(s => s.ActorId == actorId && s.ContainerId == container.ID, Patience, count: 2);
            if (container.Labels[Labels.Role] == ActorRoles.Learner)
                await _system.Events.WaitFor<AggregatorConnected>(c => c.ActorId == actorId, Patience, count: 2);
        }
        Assert.Equal(before.Select(c => c.ID).Order(), (await AssertOneRunningContainerPerActor()).Select(c => c.ID).Order());
        await RemoveAll();
    }
}

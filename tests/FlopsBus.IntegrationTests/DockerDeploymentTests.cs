using FlopsBus.Testing;
using Docker.DotNet;
using Docker.DotNet.Models;
using FlopsBus.Agent;
using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The whole path on the real parts: RabbitMQ, three agent processes on the Docker engine (two with the
/// flops-learner add-on), the sample images from the registry on 127.0.0.1:5000.
/// </summary>
public sealed class DockerDeploymentTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly PlannerAndSagaOnRabbitMq _system = new();
    private readonly List<AgentProcess> _agents = [];
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("flops-it-");
    private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(TestEnvironment.DockerEndpoint)).CreateClient();
    private Guid _projectId = Guid.NewGuid();

    public async Task InitializeAsync()
    {
        await _system.InitializeAsync();
        var basePort = 43000 + Random.Shared.Next(0, 200) * 10;
        string[][] addOns = [[], [NodeAddOns.FlopsLearner], [NodeAddOns.FlopsLearner]];
        for (var i = 0; i < addOns.Length; i++)
        {
            var nodeId = $"it-node-{i + 1}-{_system.VirtualHost[^6..]}";
            var dataDir = Directory.CreateDirectory(Path.Combine(_data.FullName, nodeId, "mnist"));
            await File.WriteAllLinesAsync(Path.Combine(dataDir.FullName, "part-0.csv"), Enumerable.Range(0, 500 + i).Select(n => $"{n},{n % 10}"));
            var settings = new Dictionary<string, string>
            {
                ["Runtime"] = "docker",
                ["DockerEndpoint"] = TestEnvironment.DockerEndpoint,
                ["DataDir"] = dataDir.Parent!.FullName,
                ["PortRangeStart"] = (basePort + i * 3).ToString(),
                ["PortRangeEnd"] = (basePort + i * 3 + 2).ToString(),
                ["HeartbeatInterval"] = "00:00:01",
            };
            for (var a = 0; a < addOns[i].Length; a++) settings[$"AddOns:{a}"] = addOns[i][a];
            _agents.Add(new AgentProcess(nodeId, _system.BusSettings, settings));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents) await agent.DisposeAsync();
        foreach (var container in await ProjectContainers(all: true))
            await _docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        await _system.DisposeAsync();
        _docker.Dispose();
        _data.Delete(recursive: true);
    }

    private async Task<IList<ContainerListResponse>> ProjectContainers(bool all = false) =>
        await _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = all,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{Labels.Project}={_projectId}"] = true }
            }
        });

    private string AgentOutput => string.Join('\n', _agents.Select(a => a.Output));

    [Fact]
    public async Task A_project_of_one_aggregator_and_two_learners_becomes_ready_in_containers_and_is_removed()
    {
        await _system.WaitForNodes(3, Patience);
        var project = new ProjectSubmitted
        {
            ProjectId = _projectId, CustomerId = "it", Learners = 2, DataTags = ["mnist"],
            AggregatorImage = TestEnvironment.AggregatorImage, LearnerImage = TestEnvironment.LearnerImage,
        };
        await _system.Bus.Publish(project);

        try
        {
            await _system.Events.WaitFor<ProjectReady>(r => r.ProjectId == _projectId, Patience);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + AgentOutput, e);
        }

        var placed = _system.Events.All<ProjectPlaced>().Single(p => p.ProjectId == _projectId);
        var running = await ProjectContainers();
        Assert.Equal(3, running.Count);
        Assert.All(running, c => Assert.Equal("running", c.State));
        Assert.Equal(
            placed.Actors.Select(a => (a.ActorId.ToString(), a.Role, a.NodeId)).Order(),
            running.Select(c => (c.Labels[Labels.Actor], c.Labels[Labels.Role], c.Labels[Labels.Node])).Order());
        var learnerNodes = placed.Actors.Where(a => a.Role == ActorRoles.Learner).Select(a => a.NodeId).ToList();
        Assert.DoesNotContain(_agents[0].NodeId, learnerNodes);

        foreach (var actor in placed.Actors)
        {
            var agent = await _system.Bus.GetSendEndpoint(EndpointNames.AgentAddress(actor.NodeId));
            await agent.Send(new RemoveActor { ProjectId = _projectId, ActorId = actor.ActorId, NodeId = actor.NodeId, Reason = "test over" });
        }
        await _system.Events.WaitFor<ActorRemoved>(r => r.ProjectId == _projectId, Patience, count: 3);
        Assert.Empty(await ProjectContainers(all: true));
    }
}

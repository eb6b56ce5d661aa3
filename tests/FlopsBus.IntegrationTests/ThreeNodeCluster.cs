using Docker.DotNet;
using Docker.DotNet.Models;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The planner and saga of <see cref="PlannerAndSagaOnRabbitMq"/> plus three agent processes on the real Docker
/// engine (node 1 plain, nodes 2 and 3 with the flops-learner add-on), each with an "mnist" data folder.
/// Everything a test started is removed afterwards, containers included.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncLifetime
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly List<AgentProcess> _agents = [];
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("flops-it-");

    public PlannerAndSagaOnRabbitMq System { get; } = new();
    public DockerClient Docker { get; } = new DockerClientConfiguration(new Uri(TestEnvironment.DockerEndpoint)).CreateClient();
    public IReadOnlyList<AgentProcess> Agents => _agents;

    public async Task InitializeAsync()
    {
        await System.InitializeAsync();
        // Below the ephemeral range (32768 and up) and apart from the agent tests' 30000-32500 and the agent default
        // 29000-29099; five ports a node leave room for the customer's tracking server beside the aggregators.
        var basePort = 27000 + Random.Shared.Next(0, 100) * 20;
        string[][] addOns = [[], [NodeAddOns.FlopsLearner], [NodeAddOns.FlopsLearner]];
        for (var i = 0; i < addOns.Length; i++)
        {
            var nodeId = $"it-node-{i + 1}-{System.VirtualHost[^6..]}";
            var dataDir = Directory.CreateDirectory(Path.Combine(_data.FullName, nodeId, "mnist"));
            await File.WriteAllLinesAsync(Path.Combine(dataDir.FullName, "part-0.csv"), Enumerable.Range(0, 500 + i).Select(n => $"{n},{n % 10}"));
            var settings = new Dictionary<string, string>
            {
                ["Runtime"] = "docker",
                ["DockerEndpoint"] = TestEnvironment.DockerEndpoint,
                ["DataDir"] = dataDir.Parent!.FullName,
                ["PortRangeStart"] = (basePort + i * 5).ToString(),
                ["PortRangeEnd"] = (basePort + i * 5 + 4).ToString(),
                ["HeartbeatInterval"] = "00:00:01",
            };
            for (var a = 0; a < addOns[i].Length; a++) settings[$"AddOns:{a}"] = addOns[i][a];
            _agents.Add(new AgentProcess(nodeId, System.BusSettings, settings));
        }
        await System.WaitForNodes(3, Patience);
    }

    public ProjectSubmitted SampleProject(int learners = 2) => new()
    {
        ProjectId = Guid.NewGuid(), CustomerId = "it", Learners = learners, DataTags = ["mnist"],
        AggregatorImage = TestEnvironment.AggregatorImage, LearnerImage = TestEnvironment.LearnerImage,
    };

    /// <summary>The containers of this cluster's nodes, optionally of one project only.</summary>
    public async Task<IList<ContainerListResponse>> Containers(Guid? projectId = null, bool all = false)
    {
        // The engine ANDs label filters, so this cluster's nodes are picked here rather than in the filter.
        var found = await Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = all,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [projectId is { } id ? $"{Labels.Project}={id}" : Labels.Node] = true }
            }
        });
        return found.Where(c => _agents.Any(a => a.NodeId == c.Labels[Labels.Node])).ToList();
    }

    /// <summary>What the agents printed, for the message of a failing assertion.</summary>
    public string AgentOutput => string.Join('\n', _agents.Select(a => a.Output));

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents) await agent.DisposeAsync();
        foreach (var agent in _agents)
            foreach (var container in await Docker.Containers.ListContainersAsync(new ContainersListParameters
                     {
                         All = true,
                         Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Labels.Node}={agent.NodeId}"] = true } }
                     }))
                await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        await System.DisposeAsync();
        Docker.Dispose();
        _data.Delete(recursive: true);
    }
}

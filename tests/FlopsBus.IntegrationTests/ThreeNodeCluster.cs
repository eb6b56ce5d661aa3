using Docker.DotNet;
using Docker.DotNet.Models;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;
using MassTransit;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The planner and saga of <see cref="PlannerAndSagaOnRabbitMq"/> plus three agent processes, each on a real Docker
/// engine of its own (<see cref="TestEnvironment.NodeEngine"/>: its own image cache and containers), node 1 plain,
/// nodes 2 and 3 with the flops-learner add-on, each with an "mnist" data folder.
/// Everything a test started is removed afterwards, containers included. With <paramref name="agentsThroughRelay"/>
/// the agents reach the broker through <see cref="AgentLinks"/>, a relay the test can cut; with
/// <paramref name="connectionString"/>, the saga's database is there (a PostgreSQL server the test may stop); with
/// <paramref name="engineThroughRelay"/> each agent reaches its engine through a relay of <see cref="EngineLinks"/>; with
/// <paramref name="agentSettings"/>, every agent has those settings too (a registry cache, say). The nodes' ports for
/// aggregators are 15 from a random base in 27000-28999, or in <paramref name="portBases"/> for a cluster that runs
/// beside another one (the two must not share ports: all nodes share the machine's). With <paramref name="broker"/>,
/// everything runs on that broker (a <see cref="PrivateBroker"/> the test may restart) instead of the shared one.
/// </summary>
public sealed class ThreeNodeCluster(
    bool agentsThroughRelay = false, string? connectionString = null, bool engineThroughRelay = false,
    IReadOnlyDictionary<string, string>? agentSettings = null, (int From, int To)? portBases = null, TestBroker? broker = null) : IAsyncLifetime
{
    private const int Nodes = 3;

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly List<AgentProcess> _agents = [];
    private readonly List<Dictionary<string, string>> _settings = [];
    private readonly DirectoryInfo _data = NodeDataFolder.Create("flops-it-");

    public PlannerAndSagaOnRabbitMq System { get; } = new(connectionString: connectionString, broker: broker);
    public TcpRelay? AgentLinks { get; } = agentsThroughRelay
        ? new TcpRelay((broker ?? TestBroker.Shared).Host, (broker ?? TestBroker.Shared).Port) : null;
    /// <summary>The node engines, node 1's first.</summary>
    public IReadOnlyList<DockerClient> Engines { get; } = Enumerable.Range(1, Nodes)
        .Select(n => new DockerClientConfiguration(new Uri(TestEnvironment.NodeEngine(n))).CreateClient()).ToList();
    /// <summary>Per node, the relay its agent reaches its engine through.</summary>
    public IReadOnlyList<TcpRelay> EngineLinks { get; } = engineThroughRelay
        ? Enumerable.Range(1, Nodes).Select(n => new TcpRelay(new System.Net.Sockets.UnixDomainSocketEndPoint(new Uri(TestEnvironment.NodeEngine(n)).LocalPath))).ToList()
        : [];

    private readonly List<Dictionary<string, string?>> _busSettings = [];

    /// <summary>The bus settings a node's agent starts with: its own account, through the relay when there is one.</summary>
    private async Task<Dictionary<string, string?>> AgentBusSettings(string nodeId)
    {
        var settings = await System.NodeBusSettings(nodeId);
        if (AgentLinks is not null) (settings["Bus:Host"], settings["Bus:Port"]) = ("127.0.0.1", AgentLinks.Port.ToString());
        return settings;
    }

    public IReadOnlyList<AgentProcess> Agents => _agents;

    /// <summary>The engine of the node <paramref name="nodeId"/>.</summary>
    public DockerClient EngineOf(string nodeId) => Engines[IndexOf(nodeId)];

    public async Task InitializeAsync()
    {
        await System.InitializeAsync();
        // Below the ephemeral range (32768 and up) and apart from the agent tests' 30000-32500 and the agent default
        // 29000-29099; five ports a node leave room for the customer's tracking server beside the aggregators.
        var (from, to) = portBases ?? (27000, 29000);
        var basePort = from + Random.Shared.Next(0, (to - from) / 20) * 20;
        string[][] addOns = [[], [NodeAddOns.FlopsLearner], [NodeAddOns.FlopsLearner]];
        // Nodes = addOns.Length: one engine per node.
        for (var i = 0; i < addOns.Length; i++)
        {
            var nodeId = $"it-node-{i + 1}-{System.VirtualHost[^6..]}";
            var dataDir = Directory.CreateDirectory(Path.Combine(_data.FullName, nodeId, "mnist"));
            await File.WriteAllLinesAsync(Path.Combine(dataDir.FullName, "part-0.csv"), Enumerable.Range(0, 500 + i).Select(n => $"{n},{n % 10}"));
            var settings = new Dictionary<string, string>
            {
                ["Runtime"] = "docker",
                ["DockerEndpoint"] = EngineLinks.Count == 0 ? TestEnvironment.NodeEngine(i + 1) : $"tcp://127.0.0.1:{EngineLinks[i].Port}",
                ["DataDir"] = dataDir.Parent!.FullName,
                ["PortRangeStart"] = (basePort + i * 5).ToString(),
                ["PortRangeEnd"] = (basePort + i * 5 + 4).ToString(),
                ["HeartbeatInterval"] = "00:00:01",
            };
            for (var a = 0; a < addOns[i].Length; a++) settings[$"AddOns:{a}"] = addOns[i][a];
            foreach (var (key, value) in agentSettings ?? new Dictionary<string, string>()) settings[key] = value;
            _settings.Add(settings);
            _busSettings.Add(await AgentBusSettings(nodeId));
            _agents.Add(new AgentProcess(nodeId, _busSettings[i], settings));
        }
        await System.WaitForNodes(3, Patience);
    }

    public int IndexOf(string nodeId) => _agents.FindIndex(a => a.NodeId == nodeId);

    /// <summary>Kills the node's agent: the node is gone for the planner, its containers run on in the engine.</summary>
    public async Task KillAgent(int index) => await _agents[index].DisposeAsync();

    /// <summary>Starts the node's agent again, with the settings it had: the node comes back.</summary>
    public void StartAgentAgain(int index) => _agents[index] = new AgentProcess(_agents[index].NodeId, _busSettings[index], _settings[index]);

    /// <summary>Waits for events as <see cref="RecordedEvents.WaitFor{T}"/> does, failing with what the processes printed too.</summary>
    public async Task<IReadOnlyList<T>> WaitFor<T>(Func<T, bool> match, int count = 1)
    {
        try
        {
            return await System.Events.WaitFor(match, Patience, count);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + ClusterOutput, e);
        }
    }

    public Task WaitForReady(Guid projectId) => WaitFor<ProjectReady>(r => r.ProjectId == projectId);

    /// <summary>Asks the saga for the deployment's status until it is <paramref name="status"/>, or fails naming the last one.</summary>
    public Task<ProjectStatus> WaitForStatus(Guid projectId, string status) =>
        AskUntil(projectId, answer => answer.Status == status, answer => $"is {answer.Status}, not {status}");

    /// <summary>Asks the saga for the deployment's timeline until <paramref name="complete"/> says it is, or fails showing the last one.</summary>
    public async Task<IReadOnlyList<ProjectEvent>> WaitForTimeline(Guid projectId, Func<IReadOnlyList<ProjectEvent>, bool> complete) =>
        (await AskUntil(projectId, answer => complete(answer.Timeline),
            answer => $"has the timeline [{string.Join(", ", answer.Timeline.Select(e => $"{e.Event} {e.ActorId}"))}]")).Timeline;

    /// <summary>Asks the saga for the deployment's status until <paramref name="done"/>, or fails saying (<paramref name="what"/>) the last answer.</summary>
    private async Task<ProjectStatus> AskUntil(Guid projectId, Func<ProjectStatus, bool> done, Func<ProjectStatus, string> what)
    {
        var client = System.Bus.CreateRequestClient<GetProjectStatus>(EndpointNames.DeploymentAddress);
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (true)
        {
            var answer = (await client.GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = projectId })).Message;
            if (done(answer)) return answer;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"Deployment {projectId} {what(answer)} after {Patience}.\n{ClusterOutput}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Waits until the engine holds exactly one container for each of <paramref name="actorIds"/> of the project and
    /// nothing else, or fails naming the containers it holds.
    /// </summary>
    public async Task WaitForContainersOf(Guid projectId, IEnumerable<Guid> actorIds)
    {
        var wanted = actorIds.Select(a => a.ToString()).Order().ToList();
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (true)
        {
            var held = (await Containers(projectId, all: true)).Select(c => c.Labels[Labels.Actor]).Order().ToList();
            if (held.SequenceEqual(wanted)) return;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"Project {projectId} has containers of [{string.Join(", ", held)}], wanted [{string.Join(", ", wanted)}].\n{ClusterOutput}");
            await Task.Delay(200);
        }
    }

    public ProjectSubmitted SampleProject(int learners = 2) => new()
    {
        ProjectId = Guid.NewGuid(), CustomerId = "it", Learners = learners, DataTags = ["mnist"],
        AggregatorImage = TestEnvironment.AggregatorImage, LearnerImage = TestEnvironment.LearnerImage,
    };

    /// <summary>The containers of this cluster's nodes, on their engines, optionally of one project only.</summary>
    public async Task<IList<ContainerListResponse>> Containers(Guid? projectId = null, bool all = false)
    {
        var found = new List<ContainerListResponse>();
        for (var i = 0; i < _agents.Count; i++)
            found.AddRange(await Engines[i].Containers.ListContainersAsync(new ContainersListParameters
            {
                All = all,
                // The engine ANDs label filters.
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool>
                    {
                        [$"{Labels.Node}={_agents[i].NodeId}"] = true,
                        [projectId is { } id ? $"{Labels.Project}={id}" : Labels.Node] = true,
                    }
                }
            }));
        return found;
    }

    /// <summary>What the agents and the planner and saga host printed, for the message of a failing assertion.</summary>
    public string ClusterOutput => string.Join('\n', _agents.Select(a => a.Output)) + "\n" + System.HostOutput;

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents) await agent.DisposeAsync();
        for (var i = 0; i < _agents.Count; i++) await Engines[i].RemoveAllOfNode(_agents[i].NodeId);
        await System.DisposeAsync();
        if (AgentLinks is not null) await AgentLinks.DisposeAsync();
        foreach (var link in EngineLinks) await link.DisposeAsync();
        foreach (var engine in Engines) engine.Dispose();
        _data.Delete(recursive: true);
    }
}

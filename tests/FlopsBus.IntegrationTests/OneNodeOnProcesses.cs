using System.Text.Json;
using Docker.DotNet;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The system as it is deployed: the planner and saga hosts as processes of their own, one node's agent (with the
/// flops-learner add-on and an "mnist" folder) and the CLI, each with the bus settings the test gives, on a virtual
/// host and database of the test's own. Everything it started is removed afterwards, containers included.
/// </summary>
public sealed class OneNodeOnProcesses : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly List<IAsyncDisposable> _processes = [];
    private readonly DirectoryInfo _data = NodeDataFolder.Create("flops-processes-");

    private OneNodeOnProcesses(IsolatedBrokerAndDatabase isolated) => Isolated = isolated;

    public IsolatedBrokerAndDatabase Isolated { get; }
    public string NodeId => $"proc-node-{Isolated.VirtualHost[^6..]}";
    public ServiceHost Planner { get; private set; } = null!;
    public ServiceHost Deployment { get; private set; } = null!;
    public AgentProcess Agent { get; private set; } = null!;
    public string Output => string.Join('\n', new[] { Planner.Output, Deployment.Output, Agent.Output });

    public static async Task<OneNodeOnProcesses> Create(string prefix) => new(await IsolatedBrokerAndDatabase.Create(prefix));

    /// <summary>
    /// Starts the hosts and the agent (the agent with its node's own account), each with the bus settings given, the
    /// agent with <paramref name="agent"/>'s settings too.
    /// </summary>
    public async Task Start(IReadOnlyDictionary<string, string?> planner, IReadOnlyDictionary<string, string?> deployment,
        IReadOnlyDictionary<string, string?>? agent = null)
    {
        Planner = ServiceHost.Start("planner", "FlopsBus.Planner.Host", planner, Isolated.ConnectionString);
        _processes.Add(Planner);
        Deployment = ServiceHost.Start("deployment", "FlopsBus.Deployment.Host", deployment, Isolated.ConnectionString);
        _processes.Add(Deployment);
        var mnist = Directory.CreateDirectory(Path.Combine(_data.FullName, "mnist"));
        await File.WriteAllLinesAsync(Path.Combine(mnist.FullName, "part-0.csv"), Enumerable.Range(0, 100).Select(n => $"{n},{n % 10}"));
        var port = 31500 + Random.Shared.Next(0, 50) * 10;
        var agentSettings = await Isolated.NodeBusSettings(NodeId);
        foreach (var (key, value) in agent ?? new Dictionary<string, string?>()) agentSettings[key] = value;
        Agent = new AgentProcess(NodeId, agentSettings, new Dictionary<string, string>
        {
            ["Runtime"] = "docker", ["DockerEndpoint"] = TestEnvironment.DockerEndpoint, ["DataDir"] = _data.FullName,
            ["AddOns:0"] = NodeAddOns.FlopsLearner, ["PortRangeStart"] = port.ToString(), ["PortRangeEnd"] = (port + 9).ToString(),
            ["HeartbeatInterval"] = "00:00:01", ["StopGracePeriod"] = "00:00:02",
        });
        _processes.Add(Agent);
    }

    /// <summary>
    /// Starts another planner and saga host beside the first ones, once those answer Healthy: the broker hands the
    /// services' queues to the first consumer, so these two stand by until the first ones are gone.
    /// </summary>
    public async Task<(ServiceHost Planner, ServiceHost Deployment)> StartStandbys(IReadOnlyDictionary<string, string?> settings)
    {
        await Planner.HealthUntil(Patience, "Healthy");
        await Deployment.HealthUntil(Patience, "Healthy");
        var planner = ServiceHost.Start("planner", "FlopsBus.Planner.Host", settings, Isolated.ConnectionString);
        _processes.Add(planner);
        var deployment = ServiceHost.Start("deployment", "FlopsBus.Deployment.Host", settings, Isolated.ConnectionString);
        _processes.Add(deployment);
        await planner.HealthUntil(Patience, "Healthy");
        await deployment.HealthUntil(Patience, "Healthy");
        return (planner, deployment);
    }

    /// <summary>As a script would: waits until <c>flops nodes</c> shows the node, then <c>flops submit --wait --json</c> until READY.</summary>
    public async Task<ProjectStatus> SubmitUntilReady(IReadOnlyDictionary<string, string?> cli, string customer)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        CliProcess.Result nodes;
        while (!(nodes = await CliProcess.Run(cli, "nodes", "--json")).Out.Contains(NodeId))
            Assert.True(DateTimeOffset.UtcNow < deadline, $"flops nodes never showed {NodeId}: {nodes.Out}{nodes.Error}\n{Output}");
        var submitted = await CliProcess.Run(cli, "submit", "--customer", customer, "--learners", "1", "--data-tags", "mnist",
            "--aggregator-image", TestEnvironment.AggregatorImage, "--learner-image", TestEnvironment.LearnerImage, "--wait", "--json", "--timeout", "120");
        Assert.True(submitted.ExitCode == 0, $"flops submit exited {submitted.ExitCode}: {submitted.Out}{submitted.Error}\n{Output}");
        var ready = JsonSerializer.Deserialize<ProjectStatus>(submitted.Out, JsonSerializerOptions.Web)!;
        Assert.Equal(ProjectStatuses.Ready, ready.Status);
        return ready;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        using var docker = new DockerClientConfiguration(new Uri(TestEnvironment.DockerEndpoint)).CreateClient();
        await NodeContainers.RemoveAllOfNode(docker, NodeId);
        await Isolated.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

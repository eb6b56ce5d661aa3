using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Deployment;
using FlopsBus.Hosting;
using FlopsBus.Planner;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Cli;

/// <summary>
/// The whole system in one process: planner, saga and three simulated worker nodes (two with the flops-learner
/// add-on) on MassTransit's in-memory transport; the agents run the sample actors, and the customer's tracking
/// server, as local processes.
/// </summary>
public static class EmbeddedSystem
{
    public const string AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1";
    public const string LearnerImage = "127.0.0.1:5000/flops/sample-learner:1";
    public const string TrackingImage = "127.0.0.1:5000/flops/sample-tracking:1";
    public const string DataTag = "mnist";

    public static IHost Build(string dataRoot)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Transport"] = "InMemory",
            [$"{PlannerOptions.Section}:{nameof(PlannerOptions.TrackingImage)}"] = TrackingImage,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddPlannerServices(builder.Configuration);

        var actors = Path.Combine(AppContext.BaseDirectory, "sample-actors");
        var commands = new Dictionary<string, string>
        {
            [AggregatorImage] = $"python3 {Path.Combine(actors, "aggregator.py")}",
            [LearnerImage] = $"python3 {Path.Combine(actors, "learner.py")}",
            [TrackingImage] = $"python3 {Path.Combine(actors, "tracking.py")}",
        };
        var basePort = PortBlock();
        string[][] addOns = [[], [NodeAddOns.FlopsLearner], [NodeAddOns.FlopsLearner]];
        for (var i = 0; i < addOns.Length; i++)
        {
            var nodeId = $"node-{i + 1}";
            builder.Services.AddNodeAgent(new AgentOptions
            {
                NodeId = nodeId,
                AddOns = [.. addOns[i]],
                Runtime = "process",
                ProcessCommands = commands,
                DataDir = SampleData.Write(Path.Combine(dataRoot, nodeId), DataTag, samples: 600 + 100 * i),
                PortRangeStart = basePort + i * 5,
                PortRangeEnd = basePort + i * 5 + 4,
                HeartbeatInterval = TimeSpan.FromSeconds(1),
            });
        }
        builder.Services.AddFlopsBus(builder.Configuration,
            bus => { bus.AddPlanner(); bus.AddDeploymentSaga(); },
            (ctx, cfg) => cfg.ConfigureNodeAgentEndpoints(ctx));
        return builder.Build();
    }

    private static int _systems;

    /// <summary>
    /// Simulated nodes share this machine's ports: each embedded system gets a block of its own, apart from other
    /// processes' (by process id) and from other systems in this process, below the ephemeral range (32768 and up).
    /// </summary>
    private static int PortBlock() => 25000 + Environment.ProcessId % 50 * 150 + Interlocked.Increment(ref _systems) % 10 * 15;

    /// <summary>Waits until the planner has heard from every simulated node and has settled (it would hold a submission until then).</summary>
    public static async Task WaitForNodes(IServiceProvider services, CancellationToken cancellationToken)
    {
        var nodes = services.GetRequiredService<NodeRegistry>();
        while (nodes.LiveNodes().Count < 3)
            await Task.Delay(20, cancellationToken);
        await Task.Delay(nodes.UntilSettled(), cancellationToken);
    }

    public static ProjectSubmitted SampleProject(int learners, string mode = ProjectModes.Classic) => new()
    {
        Mode = mode,
        ProjectId = Guid.NewGuid(),
        CustomerId = "demo",
        AggregatorImage = AggregatorImage,
        LearnerImage = LearnerImage,
        Learners = learners,
        DataTags = [DataTag],
    };
}

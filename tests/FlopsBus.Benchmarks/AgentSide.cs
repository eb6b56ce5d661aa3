using System.Diagnostics;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Hosting;
using FlopsBus.Testing;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Benchmarks;

/// <summary>
/// Two worker nodes, each an agent process on the engine, one for the aggregator and one for the four learners,
/// driven over a virtual host of their own on the broker as the planner drives them. Each image is pulled once,
/// as the script pulls it: simulated nodes share one engine, and a learner node apiece would pull the same image
/// once per node, a contention that real nodes (an engine each) do not have.
/// </summary>
public sealed class AgentSide : IAsyncDisposable
{
    private readonly string _vhost = $"flops-bench-{Guid.NewGuid():N}"[..24];
    private readonly RabbitMqManagement _management = new();
    private readonly List<AgentProcess> _agents = [];
    private IHost _host = null!;
    private RecordedEvents _events = null!;
    private List<DeployActor> _deployed = [];

    private string AggregatorNode => $"bench-aggregator-{_vhost[^6..]}";
    private string LearnerNode => $"bench-learners-{_vhost[^6..]}";

    public static async Task<AgentSide> Start(string dataDir)
    {
        var side = new AgentSide();
        await side._management.CreateVirtualHost(side._vhost);
        var bus = new Dictionary<string, string?>
        {
            ["Bus:Host"] = TestEnvironment.RabbitHost, ["Bus:VirtualHost"] = side._vhost,
            ["Bus:Username"] = TestEnvironment.RabbitUser, ["Bus:Password"] = TestEnvironment.RabbitPassword,
        };
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(bus);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFlopsBus(builder.Configuration, _ => { });
        side._host = builder.Build();
        await side._host.StartAsync();
        side._events = await RecordedEvents.Start(side._host.Services.GetRequiredService<IBus>());

        foreach (var node in new[] { side.AggregatorNode, side.LearnerNode })
        {
            var account = await side._management.AddNode(side._vhost, node);
            var nodeBus = new Dictionary<string, string?>(bus) { ["Bus:Username"] = account.Username, ["Bus:Password"] = account.Password };
            side._agents.Add(new AgentProcess(node, nodeBus, new Dictionary<string, string>
            {
                ["Runtime"] = "docker",
                ["DockerEndpoint"] = TestEnvironment.DockerEndpoint,
                ["DataDir"] = dataDir,
                ["AddOns:0"] = NodeAddOns.FlopsLearner,
                ["StopGracePeriod"] = "00:00:02",
            }));
        }
        foreach (var agent in side._agents)
            await agent.WaitForOutput($"Node {agent.NodeId} registered", TimeSpan.FromSeconds(60));
        return side;
    }

    /// <summary>From the first command sent to the last learner connected.</summary>
    public async Task<TimeSpan> Deploy(BenchImages images, int port)
    {
        var project = Guid.NewGuid();
        DeployActor Actor(string node, string role, int instance, string image, ActorResources resources) => new()
        {
            NodeId = node,
            Actor = new ActorSpec
            {
                ProjectId = project, ActorId = Guid.NewGuid(), Role = role, Instance = instance, Image = image, Resources = resources,
                ListenPort = role == ActorRoles.Aggregator ? port : null, MinLearners = 4,
                AggregatorEndpoint = role == ActorRoles.Learner ? $"127.0.0.1:{port}" : null,
                DataTags = role == ActorRoles.Learner ? ["mnist"] : [],
            },
        };
        var learner = new ActorResources { CpuMillis = 500, MemoryMb = 512 };
        _deployed =
        [
            Actor(AggregatorNode, ActorRoles.Aggregator, 0, images.Aggregator, new ActorResources { CpuMillis = 250, MemoryMb = 256 }),
            .. Enumerable.Range(0, 4).Select(i => Actor(LearnerNode, ActorRoles.Learner, i, images.Learner, learner)),
        ];
        var bus = _host.Services.GetRequiredService<IBus>();
        var endpoints = new Dictionary<string, ISendEndpoint>();
        foreach (var node in _deployed.Select(a => a.NodeId).Distinct())
            endpoints[node] = await bus.GetSendEndpoint(EndpointNames.AgentAddress(node));
        var learners = _deployed.Where(a => a.Actor.Role == ActorRoles.Learner).Select(a => a.Actor.ActorId).ToHashSet();

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(_deployed.Select(a => endpoints[a.NodeId].Send(a)));
        try
        {
            await _events.WaitFor<AggregatorConnected>(c => learners.Contains(c.ActorId), TimeSpan.FromMinutes(1), count: learners.Count);
        }
        catch (TimeoutException e)
        {
            var logs = await Task.WhenAll(_deployed.Select(a => DockerCli.Run(["logs", "--tail", "5", ActorProtocol.ContainerName(a.Actor.ActorId)])));
            throw new TimeoutException($"{e.Message}\nThe actors' last lines:\n{string.Join("\n", logs)}", e);
        }
        return clock.Elapsed;
    }

    public async Task Remove()
    {
        var bus = _host.Services.GetRequiredService<IBus>();
        foreach (var actor in _deployed)
        {
            var agent = await bus.GetSendEndpoint(EndpointNames.AgentAddress(actor.NodeId));
            await agent.Send(new RemoveActor { ProjectId = actor.Actor.ProjectId, ActorId = actor.Actor.ActorId, NodeId = actor.NodeId, Reason = "bench round over" });
        }
        var ids = _deployed.Select(a => a.Actor.ActorId).ToHashSet();
        await _events.WaitFor<ActorRemoved>(r => ids.Contains(r.ActorId), TimeSpan.FromMinutes(1), count: ids.Count);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents) await agent.DisposeAsync();
        foreach (var agent in _agents)
        {
            var left = (await DockerCli.Run(["ps", "-aq", "--filter", $"label=flops.node={agent.NodeId}"])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (left.Length > 0) await DockerCli.Run(["rm", "-f", .. left]);
        }
        await _events.DisposeAsync();
        await _host.StopAsync();
        _host.Dispose();
        await _management.DeleteVirtualHost(_vhost);
        _management.Dispose();
    }
}

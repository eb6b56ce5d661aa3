using System.Diagnostics;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Deployment;
using FlopsBus.Hosting;
using FlopsBus.Planner;
using FlopsBus.Testing;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Benchmarks;

/// <summary>
/// Worker nodes, each an agent process, on a virtual host (and database) of their own, driven as the planner drives
/// them: a deployment is a set of <see cref="DeployActor"/> commands sent at once, over when every learner is connected.
/// Optionally the planner and the saga run in this process too, for deployments from submission to READY.
/// </summary>
public sealed class AgentSide : IAsyncDisposable
{
    private readonly IsolatedBrokerAndDatabase _isolated;
    private readonly List<AgentProcess> _agents = [];
    private IHost _host = null!;
    private RecordedEvents _events = null!;
    private IReadOnlyList<DeployActor> _deployed = [];

    public IReadOnlyList<AgentProcess> Agents => _agents;
    public RecordedEvents Events => _events;

    /// <summary>A node name unique to this run, so nothing of an earlier run is mistaken for it.</summary>
    public string NodeName(string name) => $"bench-{name}-{_isolated.VirtualHost[^6..]}";

    public IBus Bus => _host.Services.GetRequiredService<IBus>();
    public IServiceProvider Services => _host.Services;

    private AgentSide(IsolatedBrokerAndDatabase isolated) => _isolated = isolated;

    /// <param name="nodes">Per node: its name (<see cref="NodeName"/>) and its Agent settings.</param>
    /// <param name="plannerSettings">Given, the planner and the saga run in this process with these settings.</param>
    public static async Task<AgentSide> Start(Func<AgentSide, IEnumerable<(string Node, IReadOnlyDictionary<string, string> Settings)>> nodes,
        IReadOnlyDictionary<string, string?>? plannerSettings = null)
    {
        var side = new AgentSide(await IsolatedBrokerAndDatabase.Create("flops-bench"));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(side._isolated.BusSettings);
        // The benchmark's output is its table; what goes wrong ends a round with its own message.
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        if (plannerSettings is not null)
        {
            builder.Configuration.AddInMemoryCollection(plannerSettings);
            builder.Services.AddPlannerServices(builder.Configuration);
        }
        builder.Services.AddFlopsBus(builder.Configuration, bus =>
        {
            if (plannerSettings is null) return;
            bus.AddPlanner();
            bus.AddDeploymentSaga(side._isolated.ConnectionString, new DeploymentOptions());
        });
        side._host = builder.Build();
        await side._host.StartAsync();
        side._events = await RecordedEvents.Start(side.Bus);

        foreach (var (node, settings) in nodes(side))
            side._agents.Add(new AgentProcess(node, await side._isolated.NodeBusSettings(node), settings));
        foreach (var agent in side._agents)
            await agent.WaitForOutput($"Node {agent.NodeId} registered", TimeSpan.FromSeconds(60));
        return side;
    }

    /// <summary>One project: an aggregator on <paramref name="aggregatorNode"/> and a learner on each of <paramref name="learnerNodes"/>.</summary>
    public static IReadOnlyList<DeployActor> Project(string aggregatorNode, IReadOnlyList<string> learnerNodes, string aggregatorImage, string learnerImage, int port)
    {
        var project = Guid.NewGuid();
        DeployActor Actor(string node, string role, int instance, string image, ActorResources resources) => new()
        {
            NodeId = node,
            Actor = new ActorSpec
            {
                ProjectId = project, ActorId = Guid.NewGuid(), Role = role, Instance = instance, Image = image, Resources = resources,
                ListenPort = role == ActorRoles.Aggregator ? port : null, MinLearners = learnerNodes.Count,
                AggregatorEndpoint = role == ActorRoles.Learner ? $"127.0.0.1:{port}" : null,
                DataTags = role == ActorRoles.Learner ? ["mnist"] : [],
            },
        };
        var learner = new ActorResources { CpuMillis = 500, MemoryMb = 512 };
        return
        [
            Actor(aggregatorNode, ActorRoles.Aggregator, 0, aggregatorImage, new ActorResources { CpuMillis = 250, MemoryMb = 256 }),
            .. learnerNodes.Select((node, i) => Actor(node, ActorRoles.Learner, i, learnerImage, learner)),
        ];
    }

    /// <summary>From the first command sent to the last learner connected.</summary>
    public async Task<TimeSpan> Deploy(IReadOnlyList<DeployActor> actors, TimeSpan patience)
    {
        _deployed = actors;
        var endpoints = new Dictionary<string, ISendEndpoint>();
        foreach (var node in _deployed.Select(a => a.NodeId).Distinct())
            endpoints[node] = await Bus.GetSendEndpoint(EndpointNames.AgentAddress(node));
        var learners = _deployed.Where(a => a.Actor.Role == ActorRoles.Learner).Select(a => a.Actor.ActorId).ToHashSet();

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(_deployed.Select(a => endpoints[a.NodeId].Send(a)));
        try
        {
            await _events.WaitFor<AggregatorConnected>(c => learners.Contains(c.ActorId), patience, count: learners.Count);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nThe agents' last lines:\n{string.Join("\n", _agents.Select(a => a.Output))}", e);
        }
        return clock.Elapsed;
    }

    public async Task Remove()
    {
        foreach (var actor in _deployed)
        {
            var agent = await Bus.GetSendEndpoint(EndpointNames.AgentAddress(actor.NodeId));
            await agent.Send(new RemoveActor { ProjectId = actor.Actor.ProjectId, ActorId = actor.Actor.ActorId, NodeId = actor.NodeId, Reason = "bench round over" });
        }
        var ids = _deployed.Select(a => a.Actor.ActorId).ToHashSet();
        await _events.WaitFor<ActorRemoved>(r => ids.Contains(r.ActorId), TimeSpan.FromMinutes(1), count: ids.Count);
    }

    /// <summary>Stops the agents; their containers are the caller's to remove, on whichever engines they ran.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents) await agent.DisposeAsync();
        await _events.DisposeAsync();
        await _host.StopAsync();
        _host.Dispose();
        await _isolated.DisposeAsync();
    }
}

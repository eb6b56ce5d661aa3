using Docker.DotNet;
using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

public static class AgentRegistration
{
    /// <summary>
    /// Adds one node's agent with the delivery of its reports, its start-up reconciliation and its heartbeat. Call it
    /// once per simulated node to run several in a process, and before AddFlopsBus: the agent must have taken back its
    /// actors before the bus hands it commands.
    /// </summary>
    public static IServiceCollection AddNodeAgent(this IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(sp => new NodeAgent(
            options,
            CreateRuntime(options, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()),
            () => sp.GetRequiredService<IBus>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NodeAgent>>()));
        services.TryAddTimeProvider();
        NodeAgent Agent(IServiceProvider sp) => sp.GetServices<NodeAgent>().Single(a => a.NodeId == options.NodeId);
        // Before the bus: hosted services stop in reverse order, so the bus stops first, and a command it waits for
        // can still see its reports delivered.
        services.AddSingleton<IHostedService>(sp => Agent(sp).Reports);
        services.AddSingleton<IHostedService>(sp => new NodeReconciliation(Agent(sp)));
        services.AddSingleton<IHostedService>(sp => new NodeHeartbeatService(
            Agent(sp),
            sp.GetRequiredService<IBus>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NodeHeartbeatService>>()));
        return services;
    }

    /// <summary>
    /// Gives every node agent in the container its own queue, which takes that node's commands only: sent to it, never
    /// published (its queue is bound to no message type's exchange), and a command that fails publishes no fault.
    /// On RabbitMQ a process runs one node, with that node's account and exchanges (<see cref="NodeExchanges"/>).
    /// </summary>
    public static void ConfigureNodeAgentEndpoints(this IBusFactoryConfigurator cfg, IServiceProvider services)
    {
        var agents = services.GetServices<NodeAgent>().ToList();
        if (cfg is IRabbitMqBusFactoryConfigurator rabbit)
        {
            if (agents.Count != 1)
                throw new InvalidOperationException($"An agent process on RabbitMQ runs exactly one node (its own account and exchanges), not {agents.Count}.");
            rabbit.PublishThroughNodeExchanges(agents[0].NodeId);
        }
        foreach (var agent in agents)
        {
            cfg.ReceiveEndpoint(EndpointNames.Agent(agent.NodeId), e =>
            {
                if (e is IRabbitMqReceiveEndpointConfigurator rabbit && services.GetRequiredService<BusOptions>().QuorumQueues)
                    rabbit.SetQuorumQueue();
                e.ConfigureConsumeTopology = false;
                e.PublishFaults = false;
                e.Consumer(() => new DeployActorConsumer(agent));
                e.Consumer(() => new RemoveActorConsumer(agent));
                e.Consumer(() => new ReportNodeConsumer(agent));
            });
        }
    }

    private static IActorRuntime CreateRuntime(AgentOptions options, ILoggerFactory loggers, TimeProvider clock) => options.Runtime.ToLowerInvariant() switch
    {
        "docker" => CreateDockerRuntime(options, loggers, clock),
        "process" => new ProcessActorRuntime(options.ProcessCommands),
        "simulated" => new SimulatedActorRuntime(options.Simulated, clock),
        _ => throw new InvalidOperationException($"Agent:Runtime must be 'docker', 'process' or 'simulated', was '{options.Runtime}'.")
    };

    private static DockerActorRuntime CreateDockerRuntime(AgentOptions options, ILoggerFactory loggers, TimeProvider clock)
    {
        var docker = new DockerClientConfiguration(new Uri(options.DockerEndpoint)).CreateClient();
        var puller = new DockerImagePuller(docker, new PullScheduler(PullPolicy.From(options)), options.RegistryCredentials,
            options.RegistryMirrors, options.PullStallTimeout, clock, loggers.CreateLogger<DockerImagePuller>());
        return new DockerActorRuntime(docker, puller, options.StopGracePeriod, options.ConfinementFor,
            new EngineOutages(docker, clock, loggers.CreateLogger<EngineOutages>()));
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }
}

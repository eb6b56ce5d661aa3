using FlopsBus.Agent;
using FlopsBus.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.HollowNodes;

/// <summary>One node of a hollow-node process, with the broker account <c>flops node add</c> gave it.</summary>
public sealed record HollowNodeAccount(string NodeId, string Username, string Password, string Cluster, string[] AddOns);

/// <summary>
/// One hollow node: the real agent (its own bus connection, account, queue, heartbeats and capacity) on the simulated
/// runtime. It is built as the agent's host builds it, minus the web endpoint: on RabbitMQ a bus speaks for one node
/// (its own account and exchanges), so each hollow node has a host and a bus of its own within the process.
/// </summary>
public static class HollowNode
{
    public static IHost Build(HollowNodeAccount node, IConfiguration shared, ILoggerFactory loggers)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(shared);
        var own = new Dictionary<string, string?>
        {
            ["Bus:Username"] = node.Username,
            ["Bus:Password"] = node.Password,
            ["Agent:NodeId"] = node.NodeId,
            ["Agent:Cluster"] = node.Cluster,
            ["Agent:Runtime"] = "simulated",
        };
        for (var i = 0; i < node.AddOns.Length; i++) own[$"Agent:AddOns:{i}"] = node.AddOns[i];
        builder.Configuration.AddInMemoryCollection(own);
        // One logger factory for the whole process: a console logger per node would be a writer thread per node.
        builder.Services.Replace(ServiceDescriptor.Singleton(loggers));
        builder.Services.AddNodeAgent(AgentOptions.From(builder.Configuration));
        builder.Services.AddFlopsBus(builder.Configuration, _ => { }, (context, cfg) => cfg.ConfigureNodeAgentEndpoints(context));
        return builder.Build();
    }
}

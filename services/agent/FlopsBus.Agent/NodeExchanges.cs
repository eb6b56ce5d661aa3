using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Agent;

/// <summary>
/// On RabbitMQ an agent publishes what its node says into that node's own exchanges (bound to the shared ones by
/// <c>flops node add</c>), the only exchanges its account may write to; the planner and saga read the sender from them.
/// Its request replies come to a response queue of the node's own. The in-memory transport has no accounts: there
/// every agent publishes to the shared exchanges directly, as a trusted part of the one process.
/// </summary>
public static class NodeExchanges
{
    public static void PublishThroughNodeExchanges(this IRabbitMqBusFactoryConfigurator cfg, string nodeId)
    {
        cfg.MessageTopology.SetEntityNameFormatter(new NodeEntityNames(nodeId, cfg.MessageTopology.EntityNameFormatter));
        cfg.OverrideDefaultBusEndpointQueueName(EndpointNames.NodeResponses(nodeId));
    }

    private sealed class NodeEntityNames(string nodeId, IEntityNameFormatter shared) : IEntityNameFormatter
    {
        public string FormatEntityName<T>() =>
            NodeMessages.Published.Contains(typeof(T)) ? EndpointNames.NodeExchange(nodeId, typeof(T)) : shared.FormatEntityName<T>();
    }
}

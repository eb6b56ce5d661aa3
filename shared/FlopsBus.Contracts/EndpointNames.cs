namespace FlopsBus.Contracts;

/// <summary>Queue names, part of the wire vocabulary: they are what operators read in the management UI.</summary>
public static class EndpointNames
{
    public const string Planner = "flops-planner";
    public const string Deployment = "flops-deployment";
    public const string DeploymentNodeLosses = "flops-deployment-node-losses";
    /// <summary>Re-placement commands from the saga and queries of the node view; apart from <see cref="Planner"/>,
    /// which reads plain JSON as any message type.</summary>
    public const string PlannerControl = "flops-planner-control";

    /// <summary>The queue of one worker node's agent: commands for that node and no other.</summary>
    public static string Agent(string nodeId) => $"flops-agent-{nodeId}";

    /// <summary>
    /// The exchange node <paramref name="nodeId"/>'s agent publishes its messages of one type into: only that node's
    /// broker account may write to it, and it is bound to the type's shared exchange, so whoever reads a message that
    /// came through it knows which node sent it.
    /// </summary>
    public static string NodeExchange(string nodeId, Type messageType) => $"{NodeExchangePrefix}{nodeId}.{messageType.Name}";

    /// <summary>MassTransit's default exchange for a message type ("namespace:name"), the one its consumers' queues are bound to.</summary>
    public static string SharedExchange(Type messageType) => $"{messageType.Namespace}:{messageType.Name}";

    /// <summary>The agent's own response queue (request replies), named so that its account may declare it and no other.</summary>
    public static string NodeResponses(string nodeId) => $"{NodeExchangePrefix}{nodeId}.{NodeResponsesSuffix}";

    public const string NodeExchangePrefix = "flops-node.";
    public const string NodeResponsesSuffix = "responses";

    /// <summary>The node whose exchange a message was published into, or null when it came from elsewhere.</summary>
    public static string? NodeOfExchange(string? exchange)
    {
        if (exchange is null || !exchange.StartsWith(NodeExchangePrefix, StringComparison.Ordinal)) return null;
        var lastDot = exchange.LastIndexOf('.');
        return lastDot <= NodeExchangePrefix.Length ? null : exchange[NodeExchangePrefix.Length..lastDot];
    }

    /// <summary>The queues that outlive their processes: the planner's, the saga host's, the agents' (Bus:QueueType applies to them).</summary>
    public static bool IsDurableServiceQueue(string name) =>
        name is Planner or PlannerControl or Deployment or DeploymentNodeLosses || name.StartsWith("flops-agent-", StringComparison.Ordinal);

    // Commands go to the exchange of the queue's name, which the receiving endpoint binds its queue to: a sender
    // declares no queue, so it needs no rights on the queue itself, and the queue keeps the type its owner gave it
    // (Bus:QueueType), which a sender's declaration of it with other arguments would contradict.
    public static Uri AgentAddress(string nodeId) => new($"exchange:{Agent(nodeId)}");
    public static Uri PlannerControlAddress => new($"exchange:{PlannerControl}");
    public static Uri DeploymentAddress => new($"exchange:{Deployment}");
}

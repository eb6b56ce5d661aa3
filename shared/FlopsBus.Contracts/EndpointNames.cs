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

    public static Uri AgentAddress(string nodeId) => new($"queue:{Agent(nodeId)}");
    public static Uri PlannerControlAddress => new($"queue:{PlannerControl}");
    public static Uri DeploymentAddress => new($"queue:{Deployment}");
}

using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Planner;

public static class AgentCommands
{
    /// <summary>Sends the placed actor's DeployActor to its node's queue.</summary>
    public static async Task Deploy(this ConsumeContext context, PlacedActor placed)
    {
        var agent = await context.GetSendEndpoint(EndpointNames.AgentAddress(placed.NodeId));
        await agent.Send(new DeployActor { NodeId = placed.NodeId, Actor = placed.Actor });
    }

    /// <summary>Asks the node's agent for a heartbeat with its whole snapshot.</summary>
    public static async Task AskForReport(this ConsumeContext context, string nodeId)
    {
        var agent = await context.GetSendEndpoint(EndpointNames.AgentAddress(nodeId));
        await agent.Send(new ReportNode { NodeId = nodeId });
    }
}

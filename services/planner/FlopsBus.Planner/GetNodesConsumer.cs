using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Planner;

/// <summary>Answers `flops nodes`: the planner's view of every worker node.</summary>
public sealed class GetNodesConsumer(NodeRegistry nodes) : IConsumer<GetNodes>
{
    public Task Consume(ConsumeContext<GetNodes> context) => context.RespondAsync(new NodeList { Nodes = nodes.View() });
}

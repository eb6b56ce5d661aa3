using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Agent;

public sealed class DeployActorConsumer(NodeAgent agent) : IConsumer<DeployActor>
{
    public Task Consume(ConsumeContext<DeployActor> context) => agent.Deploy(context.Message, context, context.CancellationToken);
}

public sealed class RemoveActorConsumer(NodeAgent agent) : IConsumer<RemoveActor>
{
    public Task Consume(ConsumeContext<RemoveActor> context) => agent.Remove(context.Message, context.CancellationToken);
}

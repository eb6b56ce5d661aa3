using MassTransit;

namespace FlopsBus.Tests.Agent;

/// <summary>
/// The link to the broker, as a filter in the bus's publish pipe. Cut for some message types, it holds their publishes
/// as MassTransit holds them on a dead connection: until the publisher gives up. Restored, it lets new publishes
/// through; those it held stay lost with the connection they were on.
/// </summary>
public sealed class BrokerLink : IFilter<PublishContext>
{
    private volatile Type[] _cut = [];
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once a publish has been held.</summary>
    public Task Held => _held.Task;

    public void Cut(params Type[] messageTypes) => _cut = messageTypes;

    public void Restore() => _cut = [];

    public async Task Send(PublishContext context, IPipe<PublishContext> next)
    {
        if (_cut.Any(type => typeof(PublishContext<>).MakeGenericType(type).IsInstanceOfType(context)))
        {
            _held.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("brokerLink");
}

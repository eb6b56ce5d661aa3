using MassTransit;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Holds a saga message, outside the partitioner, until the write that carries its change has committed
/// (<see cref="ProjectDocumentWriter"/>): the partition goes on to the project's next message meanwhile, and the
/// message is acknowledged, and its outbox released, only once its change is stored. A failed write fails the message
/// here, and the endpoint's retry takes it again. With the in-memory store nothing is added and nothing is waited for.
/// </summary>
public sealed class AwaitProjectWrites<T> : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        // A fresh one on every try: a retried message must not wait on the write that failed its last try.
        var writes = context.AddOrUpdatePayload(() => new ProjectWritesInFlight(), _ => new ProjectWritesInFlight());
        await next.Send(context);
        await writes.Written();
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("awaitProjectWrites");
}

using System.Collections.Concurrent;
using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Testing;

/// <summary>Every event of interest seen on the bus, and a way to wait for one that matches.</summary>
public sealed class RecordedEvents : IAsyncDisposable
{
    private readonly ConcurrentQueue<object> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly HostReceiveEndpointHandle _endpoint;

    private RecordedEvents(IBus bus, string? durableQueue)
    {
        Action<IReceiveEndpointConfigurator> handlers = e =>
        {
            e.Handler<ProjectRejected>(Record);
            e.Handler<ProjectPlaced>(Record);
            e.Handler<PlacementFailed>(Record);
            e.Handler<ProjectReady>(Record);
            e.Handler<ProjectFailed>(Record);
            e.Handler<ImagePulled>(Record);
            e.Handler<ActorStarted>(Record);
            e.Handler<DataFetched>(Record);
            e.Handler<AggregatorConnected>(Record);
            e.Handler<ActorFailed>(Record);
            e.Handler<ActorRemoved>(Record);
            e.Handler<ActorReplaced>(Record);
            e.Handler<NodeLost>(Record);
        };
        _endpoint = durableQueue is null
            ? bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition("flops-test-events"), DefaultEndpointNameFormatter.Instance, handlers)
            : bus.ConnectReceiveEndpoint(durableQueue, handlers);
    }

    /// <summary>
    /// Starts recording on a queue of its own. With <paramref name="durableQueue"/> the queue outlives the recorder,
    /// so a recorder started after a host restart also gets what was published while none was connected (a host's
    /// first acts after a restart can come before the recorder is bound).
    /// </summary>
    public static async Task<RecordedEvents> Start(IBus bus, string? durableQueue = null)
    {
        var events = new RecordedEvents(bus, durableQueue);
        await events._endpoint.Ready;
        return events;
    }

    private Task Record<T>(ConsumeContext<T> context) where T : class
    {
        _events.Enqueue(context.Message);
        _arrived.Release();
        return Task.CompletedTask;
    }

    public IReadOnlyList<T> All<T>() => _events.OfType<T>().ToList();

    /// <summary>Waits until <paramref name="count"/> events of type T match, or fails naming what was seen instead.</summary>
    public async Task<IReadOnlyList<T>> WaitFor<T>(Func<T, bool> match, TimeSpan timeout, int count = 1)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var matching = _events.OfType<T>().Where(match).ToList();
            if (matching.Count >= count) return matching;
            try
            {
                await _arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout} for {count} {typeof(T).Name}, saw {matching.Count}. Events seen: " +
                                           string.Join("; ", _events.Select(e => e.ToString())));
            }
        }
    }

    public async ValueTask DisposeAsync() => await _endpoint.StopAsync();
}

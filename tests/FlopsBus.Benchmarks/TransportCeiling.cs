using System.Diagnostics;
using FlopsBus.Contracts;
using FlopsBus.Deployment;
using FlopsBus.Hosting;
using FlopsBus.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlopsBus.Benchmarks;

/// <summary>
/// The broker's and MassTransit's own ceiling for the saga's load: the same events, published the same way, through
/// the same broker to consumers that do nothing, on an endpoint shaped as the saga's (its prefetch, messages in flight
/// and queue type, Bus:QueueType), in a virtual host of its own. What the saga reaches is then read as a share of it,
/// which says more on these shared machines than an absolute figure.
/// </summary>
public sealed class TransportCeiling : IAsyncDisposable
{
    private readonly IsolatedBrokerAndDatabase _isolated;
    private readonly IHost _host;
    private int _consumed;
    private TaskCompletionSource _all = new();
    private int _expected;

    private TransportCeiling(IsolatedBrokerAndDatabase isolated)
    {
        _isolated = isolated;
        _host = BenchHost.OnBus(isolated, _ => { }, (context, cfg) => cfg.ReceiveEndpoint("flops-ceiling", e =>
        {
            if (e is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.PrefetchCount = ProjectDeploymentStateDefinition.MessagesInFlight;
                if (context.GetRequiredService<BusOptions>().QuorumQueues) rabbit.SetQuorumQueue();
            }
            e.ConcurrentMessageLimit = ProjectDeploymentStateDefinition.MessagesInFlight;
            e.Handler<ProjectPlaced>(_ => Consumed());
            e.Handler<ActorStarted>(_ => Consumed());
            e.Handler<DataFetched>(_ => Consumed());
            e.Handler<AggregatorConnected>(_ => Consumed());
        }));
    }

    public static async Task<TransportCeiling> Start()
    {
        var ceiling = new TransportCeiling(await IsolatedBrokerAndDatabase.Create("flops-ceiling"));
        await ceiling._host.StartAsync();
        return ceiling;
    }

    private Task Consumed()
    {
        if (Interlocked.Increment(ref _consumed) == Volatile.Read(ref _expected)) _all.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>Events per second from the first publish to the last event consumed.</summary>
    public async Task<double> Measure(List<List<object>> plan)
    {
        var events = plan.Sum(p => p.Count);
        _consumed = 0;
        _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _expected, events);
        var clock = Stopwatch.StartNew();
        await SagaEvents.Publish(_host.Services.GetRequiredService<IBus>(), plan, _ => { }, () => { });
        await _all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        return events / clock.Elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _isolated.DisposeAsync();
    }
}

using FlopsBus.Hosting;
using FlopsBus.Testing;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Benchmarks;

/// <summary>A benchmark's own host on an isolated virtual host: FlopsBus's bus, warnings only (the output is the figures).</summary>
public static class BenchHost
{
    public static IHost OnBus(IsolatedBrokerAndDatabase isolated, Action<IBusRegistrationConfigurator> register,
        Action<IBusRegistrationContext, IBusFactoryConfigurator>? configureEndpoints = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(isolated.BusSettings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFlopsBus(builder.Configuration, register, configureEndpoints);
        return builder.Build();
    }

    /// <summary>
    /// An endpoint that watches a run, on a queue of its own that goes once it stops (auto-delete). Not MassTransit's
    /// temporary endpoint: its queue is exclusive, not auto-delete, and outlives its consumer by its expiry (a minute),
    /// still bound and taking every event it watched. In bench-system each round's watcher did so through the rounds
    /// after it: the saga's part ran with four of them taking every ActorStarted and AggregatorConnected, about as much
    /// work for the broker as the saga's own queue.
    /// </summary>
    public static HostReceiveEndpointHandle Watch(IBus bus, string name, Action<IReceiveEndpointConfigurator> handlers) =>
        bus.ConnectReceiveEndpoint($"{name}-{Guid.NewGuid():N}", e =>
        {
            if (e is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.Durable = false;
                rabbit.AutoDelete = true;
            }
            handlers(e);
        });
}

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
}

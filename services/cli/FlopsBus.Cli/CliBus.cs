using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Cli;

/// <summary>A started bus for one CLI command, talking to the broker configured in Bus:* (FLOPS_Bus__Host, ...).</summary>
public sealed class CliBus : IAsyncDisposable
{
    private readonly IHost _host;

    private CliBus(IHost host) => _host = host;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public static async Task<CliBus> Start(CancellationToken cancellationToken)
    {
        var builder = FlopsHost.CreateBuilder([], "flops-cli");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFlopsBus(builder.Configuration, _ => { });
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new CliBus(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

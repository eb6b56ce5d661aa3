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

    /// <summary>How long the CLI waits for the broker before it says the broker does not answer.</summary>
    public static readonly TimeSpan BrokerPatience = TimeSpan.FromSeconds(10);

    public static async Task<CliBus> Start(CancellationToken cancellationToken)
    {
        var builder = FlopsHost.CreateBuilder([], "flops-cli");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // MassTransit's and the host's own accounts of a broker that does not answer are stack traces; the CLI says it once.
        builder.Logging.AddFilter("MassTransit", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.AddFlopsBus(builder.Configuration, _ => { });
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.StartTimeout = BrokerPatience;
            o.StopTimeout = TimeSpan.FromSeconds(5);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            var bus = BusOptions.From(builder.Configuration);
            var cause = e;
            while (cause.InnerException is not null) cause = cause.InnerException;
            throw new ServiceUnreachableException(
                $"the broker at {bus.Host}:{bus.Port} (virtual host {bus.VirtualHost}) did not let the CLI in within {BrokerPatience.TotalSeconds:F0} s: {cause.Message}", e);
        }
        return new CliBus(host);
    }

    /// <summary>
    /// Does <paramref name="work"/> with the broker (hand it a message, set up a subscription), or says within
    /// <see cref="BrokerPatience"/> that the broker did not let it: MassTransit tries again and again when the broker
    /// refuses a declaration (an account without the right), which would otherwise leave the command waiting for ever.
    /// </summary>
    public async Task<T> WithinPatience<T>(Func<CancellationToken, Task<T>> work, string what, CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(BrokerPatience);
        try
        {
            return await work(patience.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var bus = _host.Services.GetRequiredService<BusOptions>();
            throw new ServiceUnreachableException(
                $"the broker did not let the CLI {what} within {BrokerPatience.TotalSeconds:F0} s: is {bus.Username ?? "guest"} allowed to, in virtual host {bus.VirtualHost}?");
        }
    }

    public Task WithinPatience(Func<CancellationToken, Task> work, string what, CancellationToken cancellationToken) =>
        WithinPatience(async token => { await work(token); return true; }, what, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

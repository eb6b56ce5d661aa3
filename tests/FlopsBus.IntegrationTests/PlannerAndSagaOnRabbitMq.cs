using FlopsBus.Testing;
using FlopsBus.Deployment;
using FlopsBus.Hosting;
using FlopsBus.Planner;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// A virtual host of its own on the real broker and a database of its own on the real PostgreSQL, with the
/// planner and the deployment saga running in this process against them, and a recorder of the events
/// they and the agents publish. A test may give the host its clock (kept across restarts, as the wall clock is) and
/// more bus configuration, such as a fault to inject. The virtual host is on the shared broker, or on
/// <paramref name="broker"/> (a <see cref="PrivateBroker"/> the test may restart).
/// </summary>
public sealed class PlannerAndSagaOnRabbitMq(TimeProvider? clock = null, Action<IBusRegistrationConfigurator>? configureBus = null,
    string? connectionString = null, TestBroker? broker = null) : IAsyncLifetime
{
    private IHost? _host;
    private IsolatedBrokerAndDatabase _isolated = null!;

    public string VirtualHost => _isolated.VirtualHost;
    /// <summary>The saga's database: the isolated one on the shared PostgreSQL, or the one the test gave.</summary>
    public string ConnectionString => connectionString ?? _isolated.ConnectionString;
    public RabbitMqManagement Management => _isolated.Management;
    public Dictionary<string, string?> BusSettings => _isolated.BusSettings;

    /// <summary>The bus settings of node <paramref name="nodeId"/>'s agent: the node's own account, as <c>flops node add</c> makes it.</summary>
    public Task<Dictionary<string, string?>> NodeBusSettings(string nodeId) => _isolated.NodeBusSettings(nodeId);
    public RecordedEvents Events { get; private set; } = null!;
    public IBus Bus => _host!.Services.GetRequiredService<IBus>();
    public NodeRegistry Nodes => _host!.Services.GetRequiredService<NodeRegistry>();
    public IServiceProvider Services => _host!.Services;

    /// <summary>The host's last warnings and errors, for the message of a failing assertion.</summary>
    public string HostOutput => _host is null ? "--- planner and saga host: stopped ---"
        : "--- planner and saga host ---\n" + string.Join('\n', _host.Services.GetFakeLogCollector().GetSnapshot().TakeLast(30)
            .Select(r => $"{r.Timestamp:HH:mm:ss.fff} {r.Level} {r.Category}: {r.Message} {r.Exception?.GetType().Name} {r.Exception?.Message}"));

    public async Task InitializeAsync()
    {
        _isolated = await IsolatedBrokerAndDatabase.Create("flops-test", broker);
        await Start();
    }

    /// <summary>Starts (or, after <see cref="Stop"/>, restarts) the planner and saga host.</summary>
    public async Task Start()
    {
        // MassTransit keeps its log context in an AsyncLocal that outlives a stopped host in this test's flow;
        // a restarted host must get its own, as a restarted process would.
        LogContext.Current = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(BusSettings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Kept in memory, for the message of a failing test: what the planner and saga host said (warnings and worse).
        builder.Logging.AddFakeLogging();
        if (clock is not null) builder.Services.AddSingleton(clock);
        builder.Services.AddPlannerServices(builder.Configuration);
        builder.Services.AddFlopsBus(builder.Configuration, bus =>
        {
            bus.AddPlanner();
            bus.AddDeploymentSaga(ConnectionString, new DeploymentOptions { MetricsInterval = TimeSpan.FromMilliseconds(200) });
            configureBus?.Invoke(bus);
        });
        _host = builder.Build();
        await _host.StartAsync();
        Events = await RecordedEvents.Start(Bus, durableQueue: "flops-test-events");
    }

    /// <summary>Waits, bounded, until the planner has heard from <paramref name="count"/> nodes.</summary>
    public async Task WaitForNodes(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (Nodes.LiveNodes().Count < count)
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"The planner knows {Nodes.LiveNodes().Count} of {count} nodes after {timeout}.");
            await Task.Delay(50);
        }
    }

    /// <summary>How long stopping may take before the host is left behind (see <see cref="Stop"/>).</summary>
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Stops the host as a crash would leave things: nothing in memory survives, the broker and database keep theirs.
    /// Bounded: a MassTransit receive endpoint that never finished setting itself up again on a restarted broker was
    /// once seen to hold its host's stop forever, and a test's clean-up must not hang the whole suite. Such a host is
    /// left behind, said so on the console, and the test goes on.
    /// </summary>
    public async Task Stop()
    {
        if (_host is null) return;
        await Events.DisposeAsync();
        using var patience = new CancellationTokenSource(StopPatience);
        try
        {
            await _host.StopAsync(patience.Token).WaitAsync(StopPatience + TimeSpan.FromSeconds(5));
            _host.Dispose();
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            Console.Error.WriteLine($"The planner and saga host did not stop within {StopPatience.TotalSeconds} s; left behind.");
        }
        _host = null;
    }

    public async Task DisposeAsync()
    {
        await Stop();
        await _isolated.DisposeAsync();
    }
}

using System.Globalization;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;

namespace FlopsBus.Testing;

/// <summary>
/// A RabbitMQ broker of a test's own: the compose stack's broker image (flopsbus/rabbitmq:3.10, which up.sh builds on
/// the main engine) in a container that Testcontainers starts, on the host network (no bridge here) with ports of its
/// own for AMQP, the management API, Erlang distribution and its own epmd, so it runs beside the shared broker. The test
/// stops and starts the same container as a broker restart would; its data survives (durable queues and their messages,
/// virtual hosts, accounts), as the container keeps its file system. The shared broker the other tests use is never
/// touched. The container carries the label <see cref="Label"/>: a killed run's leftovers are found by it.
/// </summary>
public sealed class PrivateBroker : IAsyncDisposable
{
    public const string Label = "org.flopsbus.test";
    /// <summary>What RabbitMQ logs once every listener and plugin runs (rabbit.erl), the moment the broker is back.</summary>
    private const string StartupComplete = "Server startup complete";
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(90);

    private readonly IContainer _container;

    private PrivateBroker(IContainer container, TestBroker broker) => (_container, Broker) = (container, broker);

    /// <summary>Where it listens and its administrator (made when the broker first starts; there is no guest).</summary>
    public TestBroker Broker { get; }

    /// <summary>When the broker last logged that its start-up was complete (its own clock, the machine's).</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Creates and starts the broker; returns once it is up.</summary>
    public static async Task<PrivateBroker> Create()
    {
        // No Ryuk image here (nothing comes from Docker Hub): the container is removed by DisposeAsync instead.
        TestcontainersSettings.ResourceReaperEnabled = false;
        var (amqp, management, distribution, epmd) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
        var broker = new TestBroker("127.0.0.1", amqp, management, "admin", Hosting.BrokerManagement.NewPassword());
        var container = new ContainerBuilder()
            .WithDockerEndpoint(TestEnvironment.DockerEndpoint)
            .WithImage(TestEnvironment.BrokerImage)
            .WithName($"flops-private-broker-{amqp}")
            .WithLabel(Label, "private-broker")
            // Host network: no mapped ports, the broker listens on 127.0.0.1 at the ports given here (entrypoint.sh).
            .WithCreateParameterModifier(p => p.HostConfig.NetworkMode = "host")
            .WithEnvironment("RABBITMQ_DEFAULT_USER", broker.AdminUser)
            .WithEnvironment("RABBITMQ_DEFAULT_PASS", broker.AdminPassword)
            // A node name of its own: the same one at every start, or the broker would not find its data again.
            .WithEnvironment("RABBITMQ_NODENAME", $"flops-test-{amqp}@localhost")
            .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .WithEnvironment("RABBITMQ_NODE_PORT", amqp.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("RABBITMQ_MANAGEMENT_PORT", management.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("RABBITMQ_DIST_PORT", distribution.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("ERL_EPMD_PORT", epmd.ToString(CultureInfo.InvariantCulture))
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged(StartupComplete))
            .Build();
        var privateBroker = new PrivateBroker(container, broker);
        try
        {
            await privateBroker.StartContainer();
        }
        catch
        {
            await privateBroker.DisposeAsync();
            throw;
        }
        return privateBroker;
    }

    /// <summary>
    /// Stops the broker as an operator or a crash-restarting supervisor does (SIGTERM, RabbitMQ shuts down and closes
    /// every connection) and returns once the container has exited.
    /// </summary>
    public Task Stop() => _container.StopAsync();

    /// <summary>Starts the same container again and returns once the broker is back (<see cref="StartedAt"/>).</summary>
    public Task Start() => StartContainer();

    private async Task StartContainer()
    {
        // The container's log keeps every earlier start's lines: the broker is back once it logs one more.
        var startsBefore = StartupLines(await Logs()).Count;
        await _container.StartAsync();
        using var deadline = new CancellationTokenSource(StartPatience);
        while (StartupLines(await Logs()) is var lines && lines.Count <= startsBefore)
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"The private broker did not log '{StartupComplete}' within {StartPatience}.\n{await Output()}");
            await Task.Delay(100);
        }
        StartedAt = StartupLines(await Logs())[^1];
    }

    /// <summary>When each start was complete: the engine's timestamp of each line that says so.</summary>
    private static List<DateTimeOffset> StartupLines(string logs) => logs.Split('\n')
        .Where(line => line.Contains(StartupComplete, StringComparison.Ordinal))
        .Select(line => DockerTimestamp(line[..line.IndexOf(' ')]))
        .ToList();

    /// <summary>The engine's RFC 3339 timestamp with nanoseconds, cut to the 100 ns that DateTimeOffset holds.</summary>
    private static DateTimeOffset DockerTimestamp(string stamp)
    {
        var dot = stamp.IndexOf('.');
        var fraction = dot < 0 ? "" : stamp[(dot + 1)..^1];
        var whole = dot < 0 ? stamp[..^1] : stamp[..dot];
        return DateTimeOffset.ParseExact(whole + "." + fraction.PadRight(7, '0')[..7] + "Z", "yyyy-MM-dd'T'HH:mm:ss.fffffffK", CultureInfo.InvariantCulture);
    }

    private async Task<string> Logs()
    {
        if (_container.State is TestcontainersStates.Undefined) return "";
        var (stdout, stderr) = await _container.GetLogsAsync(timestampsEnabled: true);
        return stdout + "\n" + stderr;
    }

    /// <summary>The broker's last lines, for the message of a failing assertion.</summary>
    public async Task<string> Output() =>
        "--- private broker ---\n" + string.Join('\n', (await Logs()).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(40));

    public async ValueTask DisposeAsync() => await _container.DisposeAsync();
}

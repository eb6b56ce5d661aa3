using System.Net;
using System.Net.Sockets;
using Docker.DotNet.Models;
using Docker.DotNet;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// One agent process on the real engine, fed through the real broker, with the registries a pull can meet:
/// the real one, one nobody listens on, one that accepts connections and never answers (both allowed), and
/// one that listens but is not allowed, to see that it is never called, and one that wants a login.
/// </summary>
public sealed class AgentOnDockerFixture : IAsyncLifetime
{
    public static readonly TimeSpan PullTimeout = TimeSpan.FromSeconds(3);

    public PlannerAndSagaOnRabbitMq System { get; } = new();
    public DockerClient Docker { get; } = new DockerClientConfiguration(new Uri(TestEnvironment.DockerEndpoint)).CreateClient();
    public TcpListener SilentRegistry { get; } = new(IPAddress.Loopback, 0);
    public TcpListener ForbiddenRegistry { get; } = new(IPAddress.Loopback, 0);
    public int DownRegistryPort { get; private set; }
    public LoginCheckingRegistry LoginRegistry { get; } = new();
    public const string RegistryUser = "flops-it";
    public string RegistryPassword { get; } = $"pw-{Guid.NewGuid():N}";
    public AgentProcess Agent { get; private set; } = null!;
    public string NodeId => $"it-agent-{System.VirtualHost[^6..]}";
    // Below the ephemeral range (32768-60999), where no outgoing connection can hold it.
    public int AggregatorPort { get; } = 30000 + Random.Shared.Next(0, 50) * 10;

    private readonly DirectoryInfo _data = NodeDataFolder.Create("flops-agent-it-");

    public async Task InitializeAsync()
    {
        await System.InitializeAsync();
        SilentRegistry.Start();
        ForbiddenRegistry.Start();
        var nobody = new TcpListener(IPAddress.Loopback, 0);
        nobody.Start();
        DownRegistryPort = ((IPEndPoint)nobody.LocalEndpoint).Port;
        nobody.Stop();

        var tag = Directory.CreateDirectory(Path.Combine(_data.FullName, "mnist"));
        await File.WriteAllLinesAsync(Path.Combine(tag.FullName, "part-0.csv"), Enumerable.Range(0, 600).Select(n => $"{n},{n % 10}"));
        Agent = new AgentProcess(NodeId, await System.NodeBusSettings(NodeId), new Dictionary<string, string>
        {
            ["Runtime"] = "docker",
            ["DockerEndpoint"] = TestEnvironment.DockerEndpoint,
            ["DataDir"] = _data.FullName,
            ["AddOns:0"] = NodeAddOns.FlopsLearner,
            ["PortRangeStart"] = AggregatorPort.ToString(),
            ["PortRangeEnd"] = (AggregatorPort + 9).ToString(),
            ["HeartbeatInterval"] = "00:00:01",
            ["AllowedRegistries:0"] = TestEnvironment.Registry,
            ["AllowedRegistries:1"] = $"127.0.0.1:{DownRegistryPort}",
            ["AllowedRegistries:2"] = $"127.0.0.1:{((IPEndPoint)SilentRegistry.LocalEndpoint).Port}",
            ["AllowedRegistries:3"] = LoginRegistry.Address,
            [$"RegistryCredentials:{LoginRegistry.Address}:Username"] = RegistryUser,
            [$"RegistryCredentials:{LoginRegistry.Address}:Password"] = RegistryPassword,
            ["PullTimeout"] = PullTimeout.ToString(),
            ["PullRetryDelay"] = "00:00:00.200",
            ["StopGracePeriod"] = "00:00:02",
        });
        await System.WaitForNodes(1, TimeSpan.FromSeconds(60));
    }

    public string DataDir => _data.FullName;

    public Task<IList<ContainerListResponse>> Containers(string label, string value) => Docker.Labelled(label, value);

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        await Docker.RemoveAllOfNode(NodeId);
        SilentRegistry.Stop();
        ForbiddenRegistry.Stop();
        LoginRegistry.Dispose();
        await System.DisposeAsync();
        Docker.Dispose();
        _data.Delete(recursive: true);
    }
}

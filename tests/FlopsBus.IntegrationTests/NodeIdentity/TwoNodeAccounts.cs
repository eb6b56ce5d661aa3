using System.Text.Json;
using FlopsBus.Agent;
using FlopsBus.Hosting;
using FlopsBus.Testing;
using MassTransit;
using RabbitMQ.Client;

namespace FlopsBus.IntegrationTests.NodeIdentity;

/// <summary>
/// The planner and saga on the real broker, and two worker nodes with accounts of their own: node A's made by
/// <c>flops node add A --json</c>, node B's as the tests' agents get theirs. Each node has a bus that publishes as
/// its agent does (through its own node exchanges, <see cref="NodeExchanges"/>); A plays the taken-over node.
/// </summary>
public sealed class TwoNodeAccounts : IAsyncLifetime
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public PlannerAndSagaOnRabbitMq System { get; } = new();
    public string NodeA => $"node-a-{System.VirtualHost[^6..]}";
    public string NodeB => $"node-b-{System.VirtualHost[^6..]}";
    public NodeAccount AccountA { get; private set; } = null!;
    public NodeAccount AccountB { get; private set; } = null!;
    public IBusControl BusA { get; private set; } = null!;
    public IBusControl BusB { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await System.InitializeAsync();
        var added = await CliProcess.Run(System.BusSettings, "node", "add", NodeA, "--add-on", "flops-learner", "--json");
        Assert.True(added.ExitCode == 0, $"flops node add failed ({added.ExitCode}): {added.Error}");
        AccountA = JsonSerializer.Deserialize<NodeAccount>(added.Out, JsonSerializerOptions.Web)!;
        AccountB = await System.Management.AddNode(System.VirtualHost, NodeB);
        BusA = await StartNodeBus(AccountA);
        BusB = await StartNodeBus(AccountB);
    }

    /// <summary>A connection with the node's own credentials, for what MassTransit would never try.</summary>
    public Task<IConnection> Connect(NodeAccount account) => new ConnectionFactory
    {
        HostName = TestEnvironment.RabbitHost, Port = TestEnvironment.RabbitPort, VirtualHost = account.VirtualHost,
        UserName = account.Username, Password = account.Password,
    }.CreateConnectionAsync();

    private static async Task<IBusControl> StartNodeBus(NodeAccount account)
    {
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(TestEnvironment.RabbitHost, (ushort)TestEnvironment.RabbitPort, account.VirtualHost, h =>
            {
                h.Username(account.Username);
                h.Password(account.Password);
            });
            cfg.PublishThroughNodeExchanges(account.NodeId);
        });
        await bus.StartAsync(TimeSpan.FromSeconds(30));
        return bus;
    }

    public async Task DisposeAsync()
    {
        if (BusA is not null) await BusA.StopAsync();
        if (BusB is not null) await BusB.StopAsync();
        await System.DisposeAsync();
    }
}

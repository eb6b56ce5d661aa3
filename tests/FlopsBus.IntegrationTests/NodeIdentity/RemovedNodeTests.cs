using System.Text.Json;
using FlopsBus.Hosting;
using FlopsBus.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace FlopsBus.IntegrationTests.NodeIdentity;

public sealed class RemovedNodeTests : IAsyncLifetime
{
    private IsolatedBrokerAndDatabase _broker = null!;

    public async Task InitializeAsync() => _broker = await IsolatedBrokerAndDatabase.Create("flops-node-rm");

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task After_flops_node_remove_the_nodes_connection_is_closed_and_it_cannot_connect_again()
    {
        var nodeId = $"node-{_broker.VirtualHost[^6..]}";
        var added = await CliProcess.Run(_broker.BusSettings, "node", "add", nodeId, "--json");
        Assert.True(added.ExitCode == 0, added.Error);
        var account = JsonSerializer.Deserialize<NodeAccount>(added.Out, JsonSerializerOptions.Web)!;
        var factory = new ConnectionFactory
        {
            HostName = TestEnvironment.RabbitHost, Port = TestEnvironment.RabbitPort, VirtualHost = account.VirtualHost,
            UserName = account.Username, Password = account.Password,
        };
        await using var connection = await factory.CreateConnectionAsync();
        var closed = new TaskCompletionSource<ShutdownInitiator>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, e) =>
        {
            closed.TrySetResult(e.Initiator);
            return Task.CompletedTask;
        };

        var removed = await CliProcess.Run(_broker.BusSettings, "node", "remove", nodeId);

        Assert.True(removed.ExitCode == 0, removed.Error);
        Assert.Equal(ShutdownInitiator.Peer, await closed.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var refused = await Assert.ThrowsAsync<BrokerUnreachableException>(() => factory.CreateConnectionAsync());
        Assert.IsType<AuthenticationFailureException>(refused.InnerException);
    }
}

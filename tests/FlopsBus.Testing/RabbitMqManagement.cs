using System.Net.Http.Json;
using FlopsBus.Hosting;

namespace FlopsBus.Testing;

/// <summary>
/// The management HTTP API as a test broker's administrator (the shared broker's unless told): the calls the management
/// UI makes, and the node accounts of <c>flops node add</c>, which are deleted with their virtual host (users are per
/// broker, not per virtual host).
/// </summary>
public sealed class RabbitMqManagement : IDisposable
{
    private readonly TestBroker _broker;

    public RabbitMqManagement(TestBroker? broker = null)
    {
        _broker = broker ?? TestBroker.Shared;
        Broker = new BrokerManagement(_broker.ManagementApi, _broker.AdminUser, _broker.AdminPassword);
    }

    public BrokerManagement Broker { get; }

    private HttpClient _http => Broker.Http;

    public async Task CreateVirtualHost(string vhost)
    {
        (await _http.PutAsync($"vhosts/{Uri.EscapeDataString(vhost)}", null)).EnsureSuccessStatusCode();
        await Broker.SetPermissions(vhost, _broker.AdminUser, ".*", ".*", ".*", CancellationToken.None);
    }

    /// <summary>Deletes the virtual host and every node account made for it (node accounts name their virtual host).</summary>
    public async Task DeleteVirtualHost(string vhost)
    {
        var users = await _http.GetFromJsonAsync<List<User>>("users") ?? [];
        foreach (var user in users.Where(u => u.name.EndsWith("@" + vhost, StringComparison.Ordinal)))
            await Broker.DeleteUser(user.name, CancellationToken.None);
        await _http.DeleteAsync($"vhosts/{Uri.EscapeDataString(vhost)}");
    }

    /// <summary>The node's own account, as <c>flops node add</c> makes it.</summary>
    public Task<NodeAccount> AddNode(string vhost, string nodeId) => new NodeAccounts(Broker, vhost).Add(nodeId, CancellationToken.None);

    /// <summary>Exchanges, Publish message: a body with properties, as a person sends it from the UI.</summary>
    public Task<bool> Publish(string vhost, string exchange, string body, string contentType = "application/json") =>
        Publish(vhost, exchange, System.Text.Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>The same with any bytes at all (sent base64-encoded, as the UI can), not UTF-8 text only.</summary>
    public async Task<bool> Publish(string vhost, string exchange, byte[] body, string contentType = "application/json")
    {
        var response = await _http.PostAsJsonAsync($"exchanges/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(exchange)}/publish", new
        {
            properties = new Dictionary<string, object> { ["content_type"] = contentType, ["delivery_mode"] = 2 },
            routing_key = "",
            payload = Convert.ToBase64String(body),
            payload_encoding = "base64",
        });
        response.EnsureSuccessStatusCode();
        var result = await response.Content.ReadFromJsonAsync<PublishResult>();
        return result?.routed == true;
    }

    /// <summary>Queues, Get messages (requeued, so nothing is taken away): the bodies waiting in a queue.</summary>
    public async Task<IReadOnlyList<string>> PeekMessages(string vhost, string queue, int count = 10) =>
        (await Broker.Peek(vhost, queue, count, CancellationToken.None)).Select(m => m.payload).ToList();

    // Field names as the management API spells them.
#pragma warning disable IDE1006
    private sealed record PublishResult(bool routed);
    private sealed record User(string name);
#pragma warning restore IDE1006

    public void Dispose() => Broker.Dispose();
}

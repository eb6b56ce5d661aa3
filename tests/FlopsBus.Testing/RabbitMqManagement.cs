using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace FlopsBus.Testing;

/// <summary>The management HTTP API: the calls the management UI makes.</summary>
public sealed class RabbitMqManagement : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = new Uri($"http://{TestEnvironment.RabbitHost}:{TestEnvironment.RabbitManagementPort}/api/"),
        DefaultRequestHeaders =
        {
            Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.RabbitUser}:{TestEnvironment.RabbitPassword}")))
        }
    };

    public async Task CreateVirtualHost(string vhost)
    {
        (await _http.PutAsync($"vhosts/{Uri.EscapeDataString(vhost)}", null)).EnsureSuccessStatusCode();
        (await _http.PutAsJsonAsync($"permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(TestEnvironment.RabbitUser)}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
    }

    public async Task DeleteVirtualHost(string vhost) => await _http.DeleteAsync($"vhosts/{Uri.EscapeDataString(vhost)}");

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
    public async Task<IReadOnlyList<string>> PeekMessages(string vhost, string queue, int count = 10)
    {
        var response = await _http.PostAsJsonAsync($"queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}/get",
            new { count, ackmode = "ack_requeue_true", encoding = "auto" });
        if (!response.IsSuccessStatusCode) return [];
        var messages = await response.Content.ReadFromJsonAsync<List<PeekedMessage>>() ?? [];
        return messages.Select(m => m.payload).ToList();
    }

    // Field names as the management API spells them.
#pragma warning disable IDE1006
    private sealed record PublishResult(bool routed);
    private sealed record PeekedMessage(string payload);
#pragma warning restore IDE1006

    public void Dispose() => _http.Dispose();
}

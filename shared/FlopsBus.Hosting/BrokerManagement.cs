using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;

namespace FlopsBus.Hosting;

/// <summary>
/// The RabbitMQ management HTTP API, for what FlopsBus does as the broker's administrator: accounts, permissions, the
/// exchanges and bindings of a node, connections. Written here over HttpClient because no maintained .NET client of
/// that API is among the packages we may use (EasyNetQ.Management.Client is not served).
/// </summary>
public sealed class BrokerManagement : IDisposable
{
    private readonly HttpClient _http;

    public BrokerManagement(Uri apiAddress, string username, string password)
    {
        _http = new HttpClient { BaseAddress = apiAddress, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
    }

    /// <summary>For calls this class does not name (tests publish and read messages as the management UI does).</summary>
    public HttpClient Http => _http;

    /// <summary>A password for a new account: 192 random bits, URL-safe.</summary>
    public static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    public static string Escape(string segment) => Uri.EscapeDataString(segment);

    public async Task RequireVirtualHost(string vhost, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"vhosts/{Escape(vhost)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new InvalidOperationException($"The broker has no virtual host '{vhost}' (Bus:VirtualHost).");
        await Succeeded(response, $"reading virtual host '{vhost}'", cancellationToken);
    }

    public Task PutUser(string name, string password, CancellationToken cancellationToken) =>
        Send(HttpMethod.Put, $"users/{Escape(name)}", new { password, tags = "" }, $"creating user '{name}'", cancellationToken);

    public Task SetPermissions(string vhost, string user, string configure, string write, string read, CancellationToken cancellationToken) =>
        Send(HttpMethod.Put, $"permissions/{Escape(vhost)}/{Escape(user)}", new { configure, write, read },
            $"setting the permissions of '{user}'", cancellationToken);

    /// <summary>Declares a durable exchange, as MassTransit declares its own (the same arguments, or the broker refuses the next declaration).</summary>
    public Task PutExchange(string vhost, string name, CancellationToken cancellationToken, string type = "fanout") =>
        Send(HttpMethod.Put, $"exchanges/{Escape(vhost)}/{Escape(name)}", new { type, durable = true, auto_delete = false, @internal = false, arguments = new { } },
            $"declaring exchange '{name}'", cancellationToken);

    public Task BindExchange(string vhost, string source, string destination, CancellationToken cancellationToken) =>
        Send(HttpMethod.Post, $"bindings/{Escape(vhost)}/e/{Escape(source)}/e/{Escape(destination)}", new { routing_key = "" },
            $"binding '{source}' to '{destination}'", cancellationToken);

    /// <summary>Deletes an exchange; one that is not there is fine.</summary>
    public Task DeleteExchange(string vhost, string name, CancellationToken cancellationToken) =>
        Send(HttpMethod.Delete, $"exchanges/{Escape(vhost)}/{Escape(name)}", null, $"deleting exchange '{name}'", cancellationToken, notFoundIsFine: true);

    /// <summary>Deletes a user; one that is not there is fine.</summary>
    public Task DeleteUser(string name, CancellationToken cancellationToken) =>
        Send(HttpMethod.Delete, $"users/{Escape(name)}", null, $"deleting user '{name}'", cancellationToken, notFoundIsFine: true);

    /// <summary>An account with its permissions on one virtual host (which must exist): what the broker will let it do there.</summary>
    public async Task AddAccount(string vhost, string user, string password, (string Configure, string Write, string Read) permissions,
        CancellationToken cancellationToken)
    {
        await RequireVirtualHost(vhost, cancellationToken);
        await PutUser(user, password, cancellationToken);
        await SetPermissions(vhost, user, permissions.Configure, permissions.Write, permissions.Read, cancellationToken);
    }

    /// <summary>Deletes the account first, so it cannot come back, then closes what it has open now.</summary>
    public async Task RemoveAccount(string user, string reason, CancellationToken cancellationToken)
    {
        await DeleteUser(user, cancellationToken);
        await CloseConnectionsOf(user, reason, cancellationToken);
    }

    /// <summary>Closes every connection the user has open now.</summary>
    public async Task CloseConnectionsOf(string user, string reason, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("connections?columns=name,user", cancellationToken);
        await Succeeded(response, "listing connections", cancellationToken);
        var connections = await response.Content.ReadFromJsonAsync<List<Connection>>(cancellationToken) ?? [];
        foreach (var connection in connections.Where(c => c.user == user))
        {
            using var close = new HttpRequestMessage(HttpMethod.Delete, $"connections/{Escape(connection.name)}");
            close.Headers.Add("X-Reason", reason);
            using var closed = await _http.SendAsync(close, cancellationToken);
            if (closed.StatusCode != HttpStatusCode.NotFound) await Succeeded(closed, $"closing connection '{connection.name}'", cancellationToken);
        }
    }

    /// <summary>The queues of a virtual host with the messages each holds now (the broker's statistics lag a few seconds).</summary>
    public async Task<IReadOnlyList<QueueInfo>> Queues(string vhost, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"queues/{Escape(vhost)}?columns=name,messages", cancellationToken);
        await Succeeded(response, $"listing the queues of '{vhost}'", cancellationToken);
        return await response.Content.ReadFromJsonAsync<List<QueueInfo>>(cancellationToken) ?? [];
    }

    /// <summary>
    /// Queues, Get messages, as the management UI does: up to <paramref name="count"/> messages from the head of the
    /// queue, put back at once (nothing is taken away; the broker marks them redelivered). Empty when there is no such queue.
    /// </summary>
    public async Task<IReadOnlyList<PeekedMessage>> Peek(string vhost, string queue, int count, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync($"queues/{Escape(vhost)}/{Escape(queue)}/get",
            new { count, ackmode = "ack_requeue_true", encoding = "auto", truncate = 50_000 }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        await Succeeded(response, $"reading messages of '{queue}'", cancellationToken);
        return await response.Content.ReadFromJsonAsync<List<PeekedMessage>>(cancellationToken) ?? [];
    }

    /// <summary>
    /// Moves every message <paramref name="source"/> holds now into <paramref name="destination"/> with a dynamic shovel
    /// (the broker's own mover: each message is taken off the source once the destination confirmed it, so none is
    /// lost or doubled by a crash midway). The shovel deletes itself when done.
    /// </summary>
    public Task Shovel(string vhost, string name, string source, string destination, CancellationToken cancellationToken)
    {
        var local = $"amqp:///{Escape(vhost)}";
        return Send(HttpMethod.Put, $"parameters/shovel/{Escape(vhost)}/{Escape(name)}", new
        {
            value = new Dictionary<string, object>
            {
                ["src-protocol"] = "amqp091", ["src-uri"] = local, ["src-queue"] = source, ["src-delete-after"] = "queue-length",
                ["dest-protocol"] = "amqp091", ["dest-uri"] = local, ["dest-queue"] = destination, ["ack-mode"] = "on-confirm",
            },
        }, $"starting a shovel from '{source}' to '{destination}' (is the rabbitmq_shovel plugin enabled?)", cancellationToken);
    }

    /// <summary>Whether the shovel is still there (it deletes itself once it moved what the source held).</summary>
    public async Task<bool> ShovelExists(string vhost, string name, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"parameters/shovel/{Escape(vhost)}/{Escape(name)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await Succeeded(response, $"reading shovel '{name}'", cancellationToken);
        return true;
    }

    private async Task Send(HttpMethod method, string path, object? body, string what, CancellationToken cancellationToken, bool notFoundIsFine = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _http.SendAsync(request, cancellationToken);
        if (notFoundIsFine && response.StatusCode == HttpStatusCode.NotFound) return;
        await Succeeded(response, what, cancellationToken);
    }

    private static async Task Succeeded(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var detail = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new InvalidOperationException(response.StatusCode == HttpStatusCode.Unauthorized
            ? $"The broker's management API refused the administrator's credentials (BrokerAdmin:Username and BrokerAdmin:Password) when {what}."
            : $"The broker's management API answered {(int)response.StatusCode} {response.StatusCode} when {what}: {detail}");
    }

    // Field names as the management API spells them.
#pragma warning disable IDE1006
    private sealed record Connection(string name, string user);
    public sealed record QueueInfo(string name, long messages);
    public sealed record PeekedMessage(string payload, string payload_encoding, bool redelivered, MessageProperties properties);
    public sealed record MessageProperties(Dictionary<string, System.Text.Json.JsonElement>? headers, string? content_type, long? timestamp);
#pragma warning restore IDE1006

    public void Dispose() => _http.Dispose();
}

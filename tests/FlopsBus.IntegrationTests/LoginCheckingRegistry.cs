using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// A registry on loopback that asks for a login (HTTP basic, as a registry with htpasswd does) and has no images:
/// enough to see what login the engine was given for it.
/// </summary>
public sealed class LoginCheckingRegistry : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";
    /// <summary>The user:password pairs requests came with.</summary>
    public ConcurrentQueue<string> Logins { get; } = new();

    public LoginCheckingRegistry()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Serve();
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (!_listener.IsListening) { return; }
            // A client that hung up before its request was read fails the accept (ObjectDisposedException from
            // Linux's managed listener): one lost request, not the end of the registry.
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { continue; }
            // An engine that gives up on a pull hangs up mid-answer; that ends one request, not the registry.
            try { await Answer(context); }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        var authorization = context.Request.Headers["Authorization"];
        if (authorization?.StartsWith("Basic ", StringComparison.Ordinal) == true)
            Logins.Enqueue(Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..])));
        var response = context.Response;
        response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        if (authorization is null)
        {
            response.StatusCode = 401;
            response.Headers["WWW-Authenticate"] = "Basic realm=\"flops-it\"";
        }
        else
        {
            response.StatusCode = context.Request.Url!.AbsolutePath == "/v2/" ? 200 : 404;
            response.ContentType = "application/json";
            var body = Encoding.UTF8.GetBytes(response.StatusCode == 200 ? "{}"
                : """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}""");
            await response.OutputStream.WriteAsync(body);
        }
        response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}

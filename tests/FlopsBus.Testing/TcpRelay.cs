using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FlopsBus.Testing;

/// <summary>
/// A TCP relay on loopback to one target (a TCP port, or a unix socket such as the Docker engine's), which a test can
/// cut and restore. While cut, every connection through it is reset and new ones are reset on arrival: to its
/// clients, the target is down, as a stopped broker or engine or a severed link looks, while the target itself
/// (shared by other tests) runs on.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly EndPoint _target;
    private readonly ConcurrentDictionary<TcpClient, Socket> _links = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public int Port { get; }

    public TcpRelay(string targetHost, int targetPort) : this(new DnsEndPoint(targetHost, targetPort)) { }

    public TcpRelay(EndPoint target)
    {
        _target = target;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Accept();
    }

    /// <summary>Resets every connection through the relay and every new one until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        foreach (var (client, target) in _links) { Reset(client); Reset(target); }
    }

    public void Restore() => _cut = false;

    private async Task Accept()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stopping.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            if (_cut) Reset(client);
            else _ = Relay(client);
        }
    }

    private async Task Relay(TcpClient client)
    {
        var target = _target is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await target.ConnectAsync(_target, _stopping.Token);
            _links[client] = target;
            // A cut that came while connecting finds this link in the next line or finds it not yet listed.
            if (_cut) return;
            await using var fromClient = client.GetStream();
            await using var fromTarget = new NetworkStream(target, ownsSocket: false);
            await Task.WhenAny(fromClient.CopyToAsync(fromTarget, _stopping.Token), fromTarget.CopyToAsync(fromClient, _stopping.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            _links.TryRemove(client, out _);
            Reset(client);
            Reset(target);
        }
    }

    /// <summary>Closes with a reset, not a goodbye: nothing is flushed, as when a machine disappears.</summary>
    private static void Reset(TcpClient connection)
    {
        try { connection.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        connection.Dispose();
    }

    private static void Reset(Socket connection)
    {
        if (connection.AddressFamily != AddressFamily.Unix)
            try { connection.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        connection.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stopping.Dispose();
    }
}

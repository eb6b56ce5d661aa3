using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;

namespace FlopsBus.Testing;

/// <summary>
/// A TCP relay on loopback to one target (a TCP port, or a unix socket such as the Docker engine's), which a test can
/// cut, stall and restore. While cut, every connection through it is reset and new ones are reset on arrival: to its
/// clients, the target is down, as a stopped broker or engine or a severed link looks, while the target itself
/// (shared by other tests) runs on. It counts the bytes it carries, both ways; given a bandwidth it is an edge
/// site's uplink as well: every connection through it draws from one token bucket, so ten nodes pulling at once
/// share the link as they would share a site's line to the central registry.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly EndPoint _target;
    private readonly ConcurrentDictionary<TcpClient, Socket> _links = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private readonly TokenBucketRateLimiter? _bandwidth;
    private readonly int _chunk;
    private long _bytesCarried;
    private volatile bool _cut;
    // Set while the link is stalled: carrying waits for it to complete.
    private volatile TaskCompletionSource? _stalled;

    public int Port { get; }

    /// <summary>Bytes carried so far in both directions.</summary>
    public long BytesCarried => Interlocked.Read(ref _bytesCarried);

    public TcpRelay(string targetHost, int targetPort, long? bitsPerSecond = null) : this(new DnsEndPoint(targetHost, targetPort), bitsPerSecond) { }

    /// <param name="bitsPerSecond">The link's bandwidth, shared by all its connections; unlimited when null.</param>
    public TcpRelay(EndPoint target, long? bitsPerSecond = null)
    {
        _target = target;
        _chunk = 64 * 1024;
        if (bitsPerSecond is { } bits)
        {
            // Refilled every 10 ms: a burst of at most one period's bytes (or one chunk, when that is more).
            var perPeriod = (int)Math.Max(1, bits / 8 / 100);
            _chunk = Math.Min(_chunk, Math.Max(perPeriod, 1024));
            _bandwidth = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(perPeriod, _chunk), TokensPerPeriod = perPeriod, ReplenishmentPeriod = TimeSpan.FromMilliseconds(10),
                QueueLimit = int.MaxValue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst, AutoReplenishment = true,
            });
        }
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

    /// <summary>
    /// Stops carrying anything, without a reset: connections stay open and silent until <see cref="Restore"/>, as on a
    /// link that hangs (a saturated or broken path) rather than one that drops.
    /// </summary>
    public void Stall() => _stalled ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Ends a cut or a stall.</summary>
    public void Restore()
    {
        _cut = false;
        Interlocked.Exchange(ref _stalled, null)?.TrySetResult();
    }

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
            await Task.WhenAny(Carry(fromClient, fromTarget), Carry(fromTarget, fromClient));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            _links.TryRemove(client, out _);
            Reset(client);
            Reset(target);
        }
    }

    /// <summary>Copies one direction of a link, counting what it carries and, on a shaped link, waiting for the bandwidth.</summary>
    private async Task Carry(Stream from, Stream to)
    {
        var buffer = new byte[_chunk];
        int read;
        while ((read = await from.ReadAsync(buffer, _stopping.Token)) > 0)
        {
            if (_stalled is { } stalled) await stalled.Task.WaitAsync(_stopping.Token);
            if (_bandwidth is not null)
            {
                using var lease = await _bandwidth.AcquireAsync(read, _stopping.Token);
            }
            await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
            Interlocked.Add(ref _bytesCarried, read);
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
        _bandwidth?.Dispose();
        _stopping.Dispose();
    }
}

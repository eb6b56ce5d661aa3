using System.Diagnostics;
using System.Net.Sockets;

namespace FlopsBus.Testing;

/// <summary>
/// A cluster's pull-through image cache, as an edge site runs one beside its nodes: nginx with
/// tests/infra/registry-cache.conf on a free loopback port, caching the blobs it fetches from <c>upstream</c> (the
/// registry, or the site's uplink to it) and fetching each blob once however many nodes ask for it at the same time.
/// A test stops it to see the nodes do without.
/// </summary>
public sealed class ClusterImageCache : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;
    private Process? _nginx;

    private ClusterImageCache(DirectoryInfo folder, int port) => (_folder, Port) = (folder, port);

    public int Port { get; }
    /// <summary>host:port, as Agent:RegistryMirrors takes it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <param name="upstream">host:port of the registry it caches.</param>
    public static async Task<ClusterImageCache> Start(string upstream)
    {
        var cache = new ClusterImageCache(Directory.CreateTempSubdirectory("flops-cache-"), LoopbackPorts.Free());
        var template = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "tests", "infra", "registry-cache.conf"));
        await File.WriteAllTextAsync(cache.Config, template
            .Replace("{{LISTEN_PORT}}", cache.Port.ToString())
            .Replace("{{UPSTREAM}}", upstream)
            .Replace("{{CACHE_DIR}}", cache._folder.FullName));
        await cache.Run();
        return cache;
    }

    private string Config => Path.Combine(_folder.FullName, "nginx.conf");

    /// <summary>Starts nginx and returns once it accepts connections; fails with its error output if it does not.</summary>
    private async Task Run()
    {
        var info = new ProcessStartInfo("nginx") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-c", Config, "-p", _folder.FullName + "/" }) info.ArgumentList.Add(arg);
        _nginx = Process.Start(info)!;
        var errors = _nginx.StandardError.ReadToEndAsync();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (!_nginx.HasExited && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(50);   // nginx is starting; its listening socket is the signal waited for
            }
            catch (SocketException)
            {
                if (!_nginx.HasExited) _nginx.Kill();
                throw new InvalidOperationException($"The image cache (nginx -c {Config}) did not listen on {Address}: {await errors}");
            }
        }
    }

    /// <summary>Forgets every blob it holds: stopped, emptied, and started again at the same address.</summary>
    public async Task Empty()
    {
        await Stop();
        var blobs = new DirectoryInfo(Path.Combine(_folder.FullName, "blobs"));
        if (blobs.Exists) blobs.Delete(recursive: true);
        await Run();
    }

    /// <summary>Stops the cache at once, as a machine that goes away: its clients find nothing listening.</summary>
    public async Task Stop()
    {
        if (_nginx is null) return;
        _nginx.Kill(entireProcessTree: true);
        await _nginx.WaitForExitAsync();
        _nginx.Dispose();
        _nginx = null;
    }

    public async ValueTask DisposeAsync()
    {
        await Stop();
        _folder.Delete(recursive: true);
    }
}

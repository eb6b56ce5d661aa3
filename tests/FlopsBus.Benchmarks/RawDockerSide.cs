using System.Diagnostics;
using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>The yardstick: raw-docker-deploy.sh, the fastest plain docker pull and docker run script for the same actors.</summary>
public sealed class RawDockerSide(string dataDir)
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "raw-docker-deploy.sh");
    private string? _prefix;

    /// <summary>From the script's start to its end, when the last learner has connected.</summary>
    public async Task<TimeSpan> Deploy(BenchImages images, int port)
    {
        _prefix = $"flops-bench-raw-{Guid.NewGuid():N}"[..28];
        var info = new ProcessStartInfo("/bin/bash") { RedirectStandardError = true };
        foreach (var arg in new[] { Script, images.Aggregator, images.Learner, port.ToString(), dataDir, "4", _prefix })
            info.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var script = Process.Start(info)!;
        var error = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        var elapsed = clock.Elapsed;
        if (script.ExitCode != 0) throw new InvalidOperationException($"raw-docker-deploy.sh failed ({script.ExitCode}): {await error}");
        return elapsed;
    }

    public async Task Remove()
    {
        var containers = (await DockerCli.Run(["ps", "-aq", "--filter", $"label=flops.bench={_prefix}"])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (containers.Length > 0) await DockerCli.Run(["rm", "-f", .. containers]);
    }
}

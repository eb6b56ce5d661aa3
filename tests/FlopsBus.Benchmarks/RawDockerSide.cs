using System.Diagnostics;
using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>The yardstick: raw-docker-deploy.sh, the fastest plain docker pull and docker run script for the same actors.</summary>
public sealed class RawDockerSide(string dataDir)
{
    private string? _prefix;

    /// <summary>From the script's start to its end, when the last learner has connected.</summary>
    public async Task<TimeSpan> Deploy(BenchImages images, int port)
    {
        _prefix = $"flops-bench-raw-{Guid.NewGuid():N}"[..28];
        return await YardstickScript.Time("raw-docker-deploy.sh", [images.Aggregator, images.Learner, port.ToString(), dataDir, "4", _prefix]);
    }

    public async Task Remove()
    {
        var containers = (await DockerCli.Run(["ps", "-aq", "--filter", $"label=flops.bench={_prefix}"])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (containers.Length > 0) await DockerCli.Run(["rm", "-f", .. containers]);
    }
}

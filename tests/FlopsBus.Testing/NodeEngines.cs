using System.Diagnostics;

namespace FlopsBus.Testing;

/// <summary>The simulated nodes' Docker engines as a machine's operator handles them: tests/infra/node-engine.sh.</summary>
public static class NodeEngines
{
    /// <summary>
    /// Stops node <paramref name="number"/>'s engine and starts it again, returning once it answers. Its containers run
    /// on meanwhile (live-restore), as on a node whose engine is upgraded or restarted by its supervisor.
    /// </summary>
    public static async Task Restart(int number)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(TestEnvironment.RepositoryRoot, "tests", "infra", "node-engine.sh"), "restart", number.ToString() })
            info.ArgumentList.Add(arg);
        info.Environment["FLOPS_INFRA_STATE"] = TestEnvironment.InfraState;
        using var script = Process.Start(info)!;
        var output = script.StandardOutput.ReadToEndAsync();
        var error = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        if (script.ExitCode != 0)
            throw new InvalidOperationException($"node-engine.sh restart {number} failed ({script.ExitCode}): {await output}{await error}");
    }
}

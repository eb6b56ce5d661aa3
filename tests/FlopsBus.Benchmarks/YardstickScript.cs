using System.Diagnostics;

namespace FlopsBus.Benchmarks;

/// <summary>A plain script a benchmark measures FlopsBus against, shipped beside the benchmark's binary.</summary>
public static class YardstickScript
{
    /// <summary>Runs <c>bash SCRIPT ARGS</c> and returns how long it took; fails with its error output if it failed.</summary>
    public static async Task<TimeSpan> Time(string script, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("/bin/bash") { RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, script));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await error}");
        return elapsed;
    }
}

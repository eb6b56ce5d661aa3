using System.Diagnostics;
using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>A plain script a benchmark measures FlopsBus against, shipped beside the benchmark's binary.</summary>
public static class YardstickScript
{
    /// <summary>Runs <c>bash SCRIPT ARGS</c> and returns how long it took; fails with its error output if it failed.</summary>
    public static async Task<TimeSpan> Time(string script, IEnumerable<string> args)
    {
        var clock = Stopwatch.StartNew();
        await Processes.Run("/bin/bash", [Path.Combine(AppContext.BaseDirectory, script), .. args]);
        return clock.Elapsed;
    }
}

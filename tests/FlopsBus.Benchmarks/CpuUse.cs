using System.Diagnostics;

namespace FlopsBus.Benchmarks;

/// <summary>
/// The CPU time of the processes a measurement runs through, by group (the broker, PostgreSQL, the saga hosts...), taken
/// before and after it. Per event, side by side for the saga and the ceiling, it says where a ratio comes from: which
/// process spends more on an event, not only that the saga is slower.
/// </summary>
public sealed class CpuUse(IReadOnlyList<(string Group, Func<IEnumerable<Process>> Processes)> groups)
{
    /// <summary>The broker and PostgreSQL as `make infra` runs them, on this machine.</summary>
    public static (string, Func<IEnumerable<Process>>)[] Infrastructure =>
    [
        ("broker", () => Process.GetProcessesByName("beam.smp")),
        // Its server processes name themselves after what they do ("postgres: flops flopsbus 127.0.0.1(5000) idle").
        ("PostgreSQL", () => Process.GetProcesses().Where(p => p.ProcessName == "postgres" || p.ProcessName.StartsWith("postgres: ", StringComparison.Ordinal))),
    ];

    public static Func<IEnumerable<Process>> Pids(params int[] pids) => () => pids.Select(TryGet).OfType<Process>();

    public static Func<IEnumerable<Process>> This => () => [Process.GetCurrentProcess()];

    /// <summary>CPU time so far by group. A process that ends between two snapshots is left out of both.</summary>
    public Dictionary<string, Dictionary<int, TimeSpan>> Snapshot() => groups.ToDictionary(g => g.Group, g => g.Processes()
        .Select(p => (p.Id, Cpu: TryCpu(p))).Where(p => p.Cpu is not null).ToDictionary(p => p.Id, p => p.Cpu!.Value));

    /// <summary>Milliseconds of CPU per event by group between two snapshots, counting only processes present in both.</summary>
    public static Dictionary<string, double> PerEvent(Dictionary<string, Dictionary<int, TimeSpan>> before,
        Dictionary<string, Dictionary<int, TimeSpan>> after, int events) =>
        after.ToDictionary(g => g.Key, g => g.Value
            .Where(p => before[g.Key].ContainsKey(p.Key))
            .Sum(p => (p.Value - before[g.Key][p.Key]).TotalMilliseconds) / events);

    /// <summary>A table of CPU per event by group, one column per measurement.</summary>
    public static void Print(IReadOnlyList<(string Name, Dictionary<string, double> PerEvent)> columns)
    {
        var groups = columns.SelectMany(c => c.PerEvent.Keys).Distinct().ToList();
        var width = Math.Max("CPU per event (ms)".Length, groups.Max(g => g.Length));
        Console.WriteLine($"  {"CPU per event (ms)".PadRight(width)}" + string.Concat(columns.Select(c => $"  {c.Name,10}")));
        foreach (var group in groups.Append("total"))
            Console.WriteLine($"  {group.PadRight(width)}" + string.Concat(columns.Select(c =>
                $"  {(group == "total" ? c.PerEvent.Values.Sum() : c.PerEvent.GetValueOrDefault(group)),10:F3}")));
    }

    private static Process? TryGet(int pid)
    {
        try { return Process.GetProcessById(pid); }
        catch (ArgumentException) { return null; }
    }

    private static TimeSpan? TryCpu(Process process)
    {
        try { return process.TotalProcessorTime; }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { return null; }
    }
}

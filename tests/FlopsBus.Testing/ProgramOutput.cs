using System.Collections.Concurrent;
using System.Diagnostics;

namespace FlopsBus.Testing;

/// <summary>
/// What a program started by a test prints, stdout and stderr, line by line with when each came (counted from the
/// start): read by the assertions and waited on by the tests of the agents and service hosts.
/// </summary>
public sealed class ProgramOutput
{
    private readonly ConcurrentQueue<(TimeSpan At, string Line)> _lines = new();
    private readonly Stopwatch _age = Stopwatch.StartNew();
    private readonly Process _process;

    /// <summary>Starts <paramref name="process"/> with its output captured here.</summary>
    public ProgramOutput(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Record(string? line)
    {
        if (line is not null) _lines.Enqueue((_age.Elapsed, line));
    }

    /// <summary>Every line printed so far.</summary>
    public IReadOnlyList<string> Lines => _lines.Select(l => l.Line).ToList();

    /// <summary>How long after the start <paramref name="text"/> was first printed, if it has been.</summary>
    public TimeSpan? FirstPrinted(string text) =>
        _lines.FirstOrDefault(l => l.Line.Contains(text, StringComparison.Ordinal)) is { Line: not null } found ? found.At : null;

    public bool Printed(string text) => _lines.Any(l => l.Line.Contains(text, StringComparison.Ordinal));

    /// <summary>The last lines, for the message of a failing assertion.</summary>
    public string Last(int count) => string.Join('\n', _lines.TakeLast(count).Select(l => l.Line));

    /// <summary>
    /// Waits, bounded, until <paramref name="count"/> lines contain <paramref name="text"/>; fails with <paramref name="describe"/>
    /// (what was printed) on time-out. Not sooner when the program has exited: its last lines may still be on their way.
    /// </summary>
    public async Task WaitFor(string text, TimeSpan timeout, int count, Func<string> describe)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (_lines.Count(l => l.Line.Contains(text, StringComparison.Ordinal)) < count)
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"'{text}' was not printed {count} times within {timeout}" +
                                           $"{(_process.HasExited ? $" (the program exited with {_process.ExitCode})" : "")}.\n{describe()}");
            // Output arrives on the process's reader threads; look again shortly.
            await Task.Delay(50);
        }
    }
}

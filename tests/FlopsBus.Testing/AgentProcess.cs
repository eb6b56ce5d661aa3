using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FlopsBus.Testing;

/// <summary>One worker node's agent, run as its own process (the Agent.Host build), configured through the environment.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProgramOutput _output;
    private bool _disposed;

    public string NodeId { get; }

    /// <summary>When the process was started, on the wall clock: with <see cref="FirstPrinted"/>, when a line came.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Names another build of the agent to run instead of the normal one, e.g. the edge build that make agent-edge
    /// publishes (artifacts/agent-edge/FlopsBus.Agent.Host): an executable, or a .dll that dotnet runs.
    /// </summary>
    public const string ProgramVariable = "FLOPS_TEST_AGENT_PROGRAM";

    public AgentProcess(string nodeId, IReadOnlyDictionary<string, string?> busSettings, IReadOnlyDictionary<string, string> agentSettings)
    {
        NodeId = nodeId;
        var info = ServiceProcess.StartInfo("services/agent/FlopsBus.Agent.Host", "FlopsBus.Agent.Host", busSettings, ProgramVariable);
        info.Environment["FLOPS_Agent__NodeId"] = nodeId;
        foreach (var (key, value) in agentSettings) info.Environment["FLOPS_Agent__" + key.Replace(":", "__")] = value;
        info.Environment["Logging__Console__FormatterName"] = "simple";

        _process = new Process { StartInfo = info };
        _output = new ProgramOutput(_process);
    }

    /// <summary>How long after the agent was started it first printed <paramref name="text"/>, if it has.</summary>
    public TimeSpan? FirstPrinted(string text) => _output.FirstPrinted(text);

    /// <summary>The agent's resident memory now (VmRSS), in bytes.</summary>
    public long ResidentBytes =>
        long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    /// <summary>What the agent printed, for the message of a failing assertion.</summary>
    public string Output => $"--- agent {NodeId} ---\n" + _output.Last(60);

    /// <summary>Every line the agent printed so far.</summary>
    public IReadOnlyList<string> Lines => _output.Lines;

    /// <summary>Whether any line the agent printed so far contains <paramref name="text"/>.</summary>
    public bool Printed(string text) => _output.Printed(text);

    /// <summary>Waits, bounded, until the agent has printed <paramref name="count"/> lines containing <paramref name="text"/>.</summary>
    public Task WaitForOutput(string text, TimeSpan timeout, int count = 1) => _output.WaitFor(text, timeout, count, () => Output);

    /// <summary>SIGTERM, as systemd or an operator stops the agent, and waits until it has shut down.</summary>
    public async Task Stop(TimeSpan timeout)
    {
        if (kill(_process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
    }

    /// <summary>SIGKILL: the agent dies wherever it is, as in a crash or an OOM kill.</summary>
    public async Task Kill()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public int ExitCode => _process.ExitCode;

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

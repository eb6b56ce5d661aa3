using FlopsBus.Testing;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace FlopsBus.IntegrationTests;

/// <summary>One worker node's agent, run as its own process (the Agent.Host build), configured through the environment.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    public string NodeId { get; }

    public AgentProcess(string nodeId, IReadOnlyDictionary<string, string?> busSettings, IReadOnlyDictionary<string, string> agentSettings)
    {
        NodeId = nodeId;
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "services", "agent", "FlopsBus.Agent.Host", "bin",
            TestEnvironment.BuildConfiguration, "net10.0", "FlopsBus.Agent.Host.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("The agent host is not built", dll);

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in busSettings) info.Environment["FLOPS_" + key.Replace(":", "__")] = value;
        info.Environment["FLOPS_Agent__NodeId"] = nodeId;
        foreach (var (key, value) in agentSettings) info.Environment["FLOPS_Agent__" + key.Replace(":", "__")] = value;
        info.Environment["Logging__Console__FormatterName"] = "simple";

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>What the agent printed, for the message of a failing assertion.</summary>
    public string Output => $"--- agent {NodeId} ---\n" + string.Join('\n', _output.TakeLast(60));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

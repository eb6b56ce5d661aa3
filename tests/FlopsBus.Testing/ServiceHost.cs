using System.Diagnostics;

namespace FlopsBus.Testing;

/// <summary>
/// A FlopsBus program as a process of its own on a test's or benchmark's broker and database (a planner, a saga host,
/// hollow nodes), with its health endpoint on a free port.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProgramOutput _output;
    public string Url { get; }

    private ServiceHost(Process process, string url) => (_process, _output, Url) = (process, new ProgramOutput(process), url);

    /// <param name="service">planner or deployment.</param>
    /// <param name="assembly">FlopsBus.Planner.Host or FlopsBus.Deployment.Host.</param>
    public static ServiceHost Start(string service, string assembly, IReadOnlyDictionary<string, string?> busSettings, string connectionString) =>
        StartProgram($"services/{service}/{assembly}", assembly,
            new Dictionary<string, string?>(busSettings) { ["ConnectionStrings:Deployment"] = connectionString });

    /// <param name="projectFolder">The program's project folder below the repository.</param>
    /// <param name="settings">Its configuration (Bus:Host and so on), handed over as FLOPS_ variables.</param>
    /// <param name="args">Its command line.</param>
    public static ServiceHost StartProgram(string projectFolder, string assembly, IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        var url = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var info = ServiceProcess.StartInfo(projectFolder, assembly, settings);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["FLOPS_Health__Url"] = url;
        info.Environment["Logging__Console__FormatterName"] = "simple";
        return new ServiceHost(new Process { StartInfo = info }, url);
    }

    public int ProcessId => _process.Id;

    /// <summary>Ends the process at once (SIGKILL), as a crash or an out-of-memory kill would: nothing of it gets to clean up.</summary>
    public async Task Kill()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits, bounded, for a line of output that contains <paramref name="text"/>; fails with the output so far.</summary>
    public Task WaitForOutput(string text, TimeSpan timeout) => _output.WaitFor(text, timeout, 1, () => Output);

    /// <summary>What the host printed, for the message of a failing assertion.</summary>
    public string Output => $"--- {_process.StartInfo.ArgumentList[0]} ---\n" + _output.Last(60);

    /// <summary>
    /// Asks /health until its status (the answer's first word) is one of <paramref name="wanted"/>, and returns the
    /// whole answer; fails naming the answers it gave instead.
    /// </summary>
    public async Task<string> HealthUntil(TimeSpan patience, params string[] wanted)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + patience;
        var answers = new List<string>();
        bool Answered() => answers.Count > 0 && wanted.Contains(answers[^1].Split(':')[0]);
        while (!Answered())
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"No {string.Join(" or ", wanted)} from /health within {patience}; it answered: {string.Join(", ", answers.Distinct())}.\n{Output}");
            // Not listening yet is no answer: ask again shortly.
            try
            {
                using var response = await http.GetAsync($"{Url}/health");
                answers.Add(await response.Content.ReadAsStringAsync());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (!Answered()) await Task.Delay(100);
        }
        return answers[^1];
    }

    /// <summary>Waits, bounded, until the process has exited, and returns its exit code.</summary>
    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"The host did not exit within {timeout}.\n{Output}"); }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

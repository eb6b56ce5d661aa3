using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>
/// Actors as local processes, like Nomad's raw_exec driver: the embedded demo's way to run on a machine
/// with no container engine. Each image stands for a configured command line; the node's data folder is
/// passed as is. No isolation and no limits: for demos and development, never for untrusted images.
/// </summary>
public sealed class ProcessActorRuntime(IReadOnlyDictionary<string, string> commands) : IActorRuntime, IDisposable
{
    private sealed record ActorProcess(Process Process, Channel<ActorOutputLine> Output);

    private readonly ConcurrentDictionary<string, ActorProcess> _processes = new();

    public Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken) =>
        commands.ContainsKey(image.ToString())
            ? Task.FromResult(new PullResult(null, AlreadyCached: true))
            : throw new ActorRuntimeException(FailureStages.Pull,
                $"Image '{image}' has no command configured for the process runtime (Agent:ProcessCommands).");

    // Nothing is pulled: a process runs a configured command.
    public PullProgress? PullProgressOf(ImageReference image) => null;

    public Task<StartResult> StartAsync(ActorLaunch launch, CancellationToken cancellationToken)
    {
        if (_processes.TryGetValue(launch.Name, out var running) && !running.Process.HasExited)
            return Task.FromResult(new StartResult(ContainerId(running.Process), running.Process.StartTime.ToUniversalTime()));

        var commandLine = commands[launch.Image.ToString()].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var info = new ProcessStartInfo(commandLine[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in commandLine.Skip(1)) info.ArgumentList.Add(arg);
        foreach (var (key, value) in launch.Environment) info.Environment[key] = value;
        if (launch.DataDir is not null) info.Environment[ActorProtocol.DataDir] = launch.DataDir;

        var output = Channel.CreateUnbounded<ActorOutputLine>();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var open = 2;
        void OnLine(object _, DataReceivedEventArgs e)
        {
            if (e.Data is not null) output.Writer.TryWrite(new ActorOutputLine(e.Data, DateTimeOffset.UtcNow));
            else if (Interlocked.Decrement(ref open) == 0) output.Writer.TryComplete();
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        try
        {
            process.Start();
        }
        catch (Exception e)
        {
            throw new ActorRuntimeException(FailureStages.Start, $"Starting '{string.Join(' ', commandLine)}' failed: {e.Message}", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[launch.Name] = new ActorProcess(process, output);
        return Task.FromResult(new StartResult(ContainerId(process), DateTimeOffset.UtcNow));
    }

    public async Task<long> FollowAsync(string containerId, Func<ActorOutputLine, Task> onLine, CancellationToken cancellationToken)
    {
        var actor = _processes.Values.First(p => ContainerId(p.Process) == containerId);
        await foreach (var line in actor.Output.Reader.ReadAllAsync(cancellationToken))
            await onLine(line);
        await actor.Process.WaitForExitAsync(cancellationToken);
        return actor.Process.ExitCode;
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        if (!_processes.TryRemove(name, out var actor)) return;
        if (!actor.Process.HasExited)
        {
            actor.Process.Kill(entireProcessTree: true);
            await actor.Process.WaitForExitAsync(cancellationToken);
        }
        actor.Process.Dispose();
    }

    public Task<IReadOnlyList<string>> CachedImagesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(commands.Keys.ToList());

    /// <summary>Processes end with the agent that started them: a new agent finds none.</summary>
    public Task<IReadOnlyList<FoundActor>> FindActorsAsync(string nodeId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FoundActor>>([]);

    private static string ContainerId(Process process) => $"pid-{process.Id}";

    public void Dispose()
    {
        foreach (var name in _processes.Keys.ToList())
            RemoveAsync(name, CancellationToken.None).GetAwaiter().GetResult();
    }
}

using System.Collections.Concurrent;
using FlopsBus.Agent;
using FlopsBus.Hosting;

namespace FlopsBus.Tests.Agent;

/// <summary>A runtime that only remembers what it was asked: the agent's own logic, without an engine.</summary>
public sealed class FakeActorRuntime : IActorRuntime
{
    /// <summary>When set, pulls wait for it (or for their cancellation).</summary>
    public TaskCompletionSource<PullResult>? PendingPull { get; set; }
    public TaskCompletionSource PullBegan { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int Pulls;
    public int Starts;
    public ConcurrentQueue<string> Removed { get; } = new();
    public List<FoundActor> Found { get; } = [];
    /// <summary>What each container prints, and its exit code; no exit code means it runs until it is removed.</summary>
    public Dictionary<string, (string[] Lines, long? ExitCode)> Output { get; } = [];

    /// <summary>What <see cref="PullProgressOf"/> answers while a pull is pending.</summary>
    public PullProgress? Progress { get; set; }

    public PullProgress? PullProgressOf(ImageReference image) => PendingPull is { Task.IsCompleted: false } ? Progress : null;

    public async Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Pulls);
        PullBegan.TrySetResult();
        return PendingPull is null ? new PullResult("sha256:fake", AlreadyCached: false) : await PendingPull.Task.WaitAsync(cancellationToken);
    }

    public Task<StartResult> StartAsync(ActorLaunch launch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Starts);
        return Task.FromResult(new StartResult($"id-{launch.Name}", DateTimeOffset.UtcNow));
    }

    public async Task<long> FollowAsync(string containerId, Func<ActorOutputLine, Task> onLine, CancellationToken cancellationToken)
    {
        var (lines, exitCode) = Output.GetValueOrDefault(containerId, ([], null));
        foreach (var line in lines)
            await onLine(new ActorOutputLine(line, DateTimeOffset.UtcNow));
        if (exitCode is { } code) return code;
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }

    public Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        Removed.Enqueue(name);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> CachedImagesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<IReadOnlyList<FoundActor>> FindActorsAsync(string nodeId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FoundActor>>(Found.ToList());
}

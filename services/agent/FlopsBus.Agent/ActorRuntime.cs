using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>What an agent needs to start one actor, already worked out from the command.</summary>
public sealed record ActorLaunch(
    DeployActor Command,
    string Name,
    ImageReference Image,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Labels,
    string? DataDir);

public sealed record PullResult(string? Digest, bool AlreadyCached);

public sealed record StartResult(string ContainerId, DateTimeOffset StartedAt, bool AlreadyRunning);

/// <summary>
/// Runs actors on one node. Two drivers: the Docker engine, and local processes (like Nomad's raw_exec)
/// for the embedded demo. Every call is safe to repeat: start finds an actor already running under the
/// same name, remove of something gone succeeds.
/// </summary>
public interface IActorRuntime
{
    Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken);
    Task<StartResult> StartAsync(ActorLaunch launch, CancellationToken cancellationToken);
    /// <summary>Feeds every output line to <paramref name="onLine"/> until the actor ends; returns its exit code.</summary>
    Task<long> FollowAsync(string containerId, Func<string, Task> onLine, CancellationToken cancellationToken);
    Task RemoveAsync(string name, CancellationToken cancellationToken);
    Task<IReadOnlyList<string>> CachedImagesAsync(CancellationToken cancellationToken);
}

/// <summary>A runtime failure with the stage it belongs to, reported as <see cref="ActorFailed"/>.</summary>
public sealed class ActorRuntimeException(string stage, string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Stage { get; } = stage;
}

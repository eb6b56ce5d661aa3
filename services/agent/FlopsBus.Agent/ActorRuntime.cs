using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>What an agent needs to start one actor, already worked out from the command.</summary>
public sealed record ActorLaunch(
    ActorSpec Actor,
    string Name,
    ImageReference Image,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Labels,
    string? DataDir);

/// <param name="BytesPulled">The compressed bytes of the layers that came over the wire (0 when all were on the node).</param>
public sealed record PullResult(string? Digest, bool AlreadyCached, long BytesPulled = 0);

/// <summary>A pull under way: compressed bytes come so far, of how many (0 while some layer has not said its size yet).</summary>
public sealed record PullProgress(long Bytes, long Total);

public sealed record StartResult(string ContainerId, DateTimeOffset StartedAt);

/// <summary>One line an actor printed, with when it printed it (not when the agent read it: after a restart the agent reads old lines).</summary>
public sealed record ActorOutputLine(string Text, DateTimeOffset At);

public enum FoundActorState { Running, Exited, NeverStarted }

/// <summary>An actor of this node that the runtime already holds, with what it was started to run.</summary>
public sealed record FoundActor(ActorSpec Actor, string ContainerId, DateTimeOffset StartedAt, FoundActorState State);

/// <summary>
/// Runs actors on one node. Two drivers: the Docker engine, and local processes (like Nomad's raw_exec)
/// for the embedded demo. Every call is safe to repeat: start finds an actor already running under the
/// same name, remove of something gone succeeds.
/// </summary>
public interface IActorRuntime
{
    Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken);
    /// <summary>How far the pull of <paramref name="image"/> has come, while one is under way; null otherwise.</summary>
    PullProgress? PullProgressOf(ImageReference image);
    Task<StartResult> StartAsync(ActorLaunch launch, CancellationToken cancellationToken);
    /// <summary>Feeds every output line, from the first, to <paramref name="onLine"/> until the actor ends; returns its exit code.</summary>
    Task<long> FollowAsync(string containerId, Func<ActorOutputLine, Task> onLine, CancellationToken cancellationToken);
    /// <summary>Stops the actor (given a moment to end by itself) and removes it.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken);
    /// <summary>Image names and digests the node holds.</summary>
    Task<IReadOnlyList<string>> CachedImagesAsync(CancellationToken cancellationToken);
    /// <summary>The actors of node <paramref name="nodeId"/> that outlived an earlier agent.</summary>
    Task<IReadOnlyList<FoundActor>> FindActorsAsync(string nodeId, CancellationToken cancellationToken);
}

/// <summary>A runtime failure with the stage it belongs to, reported as <see cref="ActorFailed"/>.</summary>
public sealed class ActorRuntimeException(string stage, string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Stage { get; } = stage;
}

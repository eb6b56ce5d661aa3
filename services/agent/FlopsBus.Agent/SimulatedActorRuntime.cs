using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>Configuration section "Agent:Simulated": how long the simulated runtime's steps take.</summary>
public sealed class SimulatedRuntimeOptions
{
    /// <summary>A pull of an image the node does not hold yet; 0 takes every image as held already.</summary>
    public TimeSpan PullTime { get; set; } = TimeSpan.Zero;
    public TimeSpan StartTime { get; set; } = TimeSpan.FromMilliseconds(20);
    /// <summary>From a learner's start to its data-fetched line.</summary>
    public TimeSpan DataFetchTime { get; set; } = TimeSpan.FromMilliseconds(20);
    /// <summary>From a learner's data-fetched line to its aggregator-connected line.</summary>
    public TimeSpan ConnectTime { get; set; } = TimeSpan.FromMilliseconds(20);
}

/// <summary>
/// Actors that exist only in the agent, as kubemark's hollow kubelet runs pods on a fake runtime: a pull and a start
/// take the configured time, and a learner prints the actor protocol's lines (data fetched, then connected) as a real
/// one does, so everything above the runtime (agent, planner, saga) does its real work for thousands of nodes on one
/// machine. For benchmarks and tests of scale, never for real work: nothing runs.
/// </summary>
public sealed class SimulatedActorRuntime(SimulatedRuntimeOptions options, TimeProvider clock) : IActorRuntime
{
    private sealed record SimulatedActor(string ContainerId, DateTimeOffset StartedAt, Channel<ActorOutputLine> Output);

    private readonly ConcurrentDictionary<string, SimulatedActor> _actors = new();
    private readonly ConcurrentDictionary<string, bool> _images = new();

    public async Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken)
    {
        var cached = options.PullTime <= TimeSpan.Zero || _images.ContainsKey(image.ToString());
        if (!cached) await Task.Delay(options.PullTime, clock, cancellationToken);
        _images[image.ToString()] = true;
        return new PullResult(null, AlreadyCached: cached);
    }

    public PullProgress? PullProgressOf(ImageReference image) => null;

    public async Task<StartResult> StartAsync(ActorLaunch launch, CancellationToken cancellationToken)
    {
        if (_actors.TryGetValue(launch.Name, out var running))
            return new StartResult(running.ContainerId, running.StartedAt);
        if (options.StartTime > TimeSpan.Zero) await Task.Delay(options.StartTime, clock, cancellationToken);
        var actor = _actors.GetOrAdd(launch.Name, name => new SimulatedActor($"hollow-{Guid.NewGuid():N}", clock.GetUtcNow(),
            Channel.CreateUnbounded<ActorOutputLine>()));
        if (launch.Actor.Role == ActorRoles.Learner)
            _ = PrintLearnerProgress(actor);
        return new StartResult(actor.ContainerId, actor.StartedAt);
    }

    /// <summary>What a learner prints once it has its data and once its aggregator has let it in.</summary>
    private async Task PrintLearnerProgress(SimulatedActor actor)
    {
        try
        {
            await Task.Delay(options.DataFetchTime, clock);
            actor.Output.Writer.TryWrite(Line(new { @event = ActorEventLine.DataFetched, samples = 600 }));
            await Task.Delay(options.ConnectTime, clock);
            actor.Output.Writer.TryWrite(Line(new { @event = ActorEventLine.AggregatorConnected }));
        }
        catch (ChannelClosedException)
        {
            // Removed before it got there.
        }
    }

    private ActorOutputLine Line(object fields) => new(ActorEventLine.Prefix + JsonSerializer.Serialize(fields), clock.GetUtcNow());

    public async Task<long> FollowAsync(string containerId, Func<ActorOutputLine, Task> onLine, CancellationToken cancellationToken)
    {
        var actor = _actors.Values.FirstOrDefault(a => a.ContainerId == containerId)
            ?? throw new ActorRuntimeException(FailureStages.Start, $"No simulated actor {containerId} runs on this node.");
        await foreach (var line in actor.Output.Reader.ReadAllAsync(cancellationToken))
            await onLine(line);
        return 0;
    }

    public Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        if (_actors.TryRemove(name, out var actor)) actor.Output.Writer.TryComplete();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> CachedImagesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(_images.Keys.ToList());

    /// <summary>Simulated actors end with the agent that holds them: a new agent finds none.</summary>
    public Task<IReadOnlyList<FoundActor>> FindActorsAsync(string nodeId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FoundActor>>([]);
}

using System.Collections.Concurrent;
using System.Diagnostics;
using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// One worker node's agent: turns DeployActor into a running actor, follows its output into bus events,
/// and removes it on request. It keeps the actors it runs, so a repeated command is answered, not redone,
/// and on start-up it takes back the actors an earlier agent of this node left running.
/// </summary>
public sealed class NodeAgent(AgentOptions options, IActorRuntime runtime, Func<IPublishEndpoint> bus, ILogger<NodeAgent> logger) : IAsyncDisposable
{
    private sealed class RunningActor(DeployActor command, string containerId, DateTimeOffset startedAt)
    {
        public DeployActor Command { get; } = command;
        public string ContainerId { get; } = containerId;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public CancellationTokenSource Stop { get; } = new();
        /// <summary>The agent no longer answers for this actor (removed, or the agent is stopping): its end is not reported.</summary>
        public volatile bool Released;
        public bool DataFetched;
    }

    private readonly ConcurrentDictionary<Guid, RunningActor> _actors = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _actorLocks = new();
    /// <summary>Deployments under way, so a RemoveActor can call one off instead of waiting for its pull.</summary>
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _deployments = new();
    private readonly RemovedActors _removed = new();
    private readonly List<FoundActor> _found = [];

    public AgentOptions Options => options;
    public string NodeId => options.NodeId;

    public async Task Deploy(DeployActor command, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        if (command.NodeId != NodeId)
        {
            await Fail(publish, command, FailureStages.Create, $"DeployActor for node '{command.NodeId}' reached the agent of node '{NodeId}'; refused.");
            return;
        }
        // One deployment per actor at a time: a duplicate command waits and then finds the actor running.
        var gate = Gate(command.ActorId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_actors.ContainsKey(command.ActorId))
            {
                logger.LogInformation("Actor {ActorId} already runs on {NodeId}; repeated DeployActor ignored", command.ActorId, NodeId);
                return;
            }
            if (_removed.Contains(command.ActorId))
            {
                logger.LogWarning("Actor {ActorId} of project {ProjectId} was removed from {NodeId} already; a DeployActor after its RemoveActor starts nothing",
                    command.ActorId, command.ProjectId, NodeId);
                return;
            }
            using var deployment = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _deployments[command.ActorId] = deployment;
            try
            {
                await DeployOnce(command, publish, deployment.Token);
            }
            catch (OperationCanceledException) when (deployment.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                logger.LogInformation("Deployment of actor {ActorId} called off: the actor is being removed", command.ActorId);
            }
            finally
            {
                _deployments.TryRemove(command.ActorId, out _);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task DeployOnce(DeployActor command, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(command.Image, out var image))
        {
            await Fail(publish, command, FailureStages.Pull, $"'{command.Image}' is not a valid image reference.");
            return;
        }
        // Checked here, before the runtime is asked anything: a refused image costs no network call.
        if (!options.AllowedRegistries.Contains(image.Registry, StringComparer.OrdinalIgnoreCase))
        {
            await Fail(publish, command, FailureStages.Pull,
                $"Image '{command.Image}' is from registry '{image.Registry}', which this node does not allow (allowed: {string.Join(", ", options.AllowedRegistries)}).");
            return;
        }

        string stage = FailureStages.Pull;
        try
        {
            Task pulledReported;
            using (var pullSpan = FlopsTelemetry.Source.StartActivity("actor pull"))
            {
                pullSpan?.SetTag("flops.image", command.Image).SetTag("flops.project", command.ProjectId).SetTag("flops.actor", command.ActorId);
                var pullTime = Stopwatch.StartNew();
                var pulled = await runtime.PullAsync(image, cancellationToken);
                AgentTelemetry.PullDuration.Record(pullTime.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("flops.cached", pulled.AlreadyCached));
                // Reported while the container is made: the broker's confirmation need not hold up the start.
                pulledReported = publish.Publish(new ImagePulled
                {
                    ProjectId = command.ProjectId, ActorId = command.ActorId, NodeId = NodeId, Image = command.Image,
                    Digest = pulled.Digest, Duration = pullTime.Elapsed, AlreadyCached = pulled.AlreadyCached
                }, cancellationToken);
            }

            stage = FailureStages.Start;
            StartResult started;
            using (FlopsTelemetry.Source.StartActivity("actor start")?.SetTag("flops.project", command.ProjectId).SetTag("flops.actor", command.ActorId))
                started = await runtime.StartAsync(ActorProtocol.Launch(command, image, NodeId, options.DataDir), cancellationToken);
            await pulledReported;

            var actor = new RunningActor(command, started.ContainerId, started.StartedAt);
            _actors[command.ActorId] = actor;
            await PublishStarted(publish, actor);
            logger.LogInformation("Actor {ActorId} ({Role} {Instance}) of project {ProjectId} running on {NodeId} as {ContainerId}",
                command.ActorId, command.Role, command.Instance, command.ProjectId, NodeId, started.ContainerId);
            _ = Task.Run(() => Follow(actor));
        }
        catch (ActorRuntimeException e)
        {
            await Fail(publish, command, e.Stage, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Actor {ActorId}: {Stage} failed", command.ActorId, stage);
            await Fail(publish, command, stage, $"{stage} failed: {e.Message}");
        }
    }

    /// <summary>
    /// Start-up, before this node's commands are consumed: takes back the actors an earlier agent of this node
    /// left behind, so a repeated DeployActor finds them and the first heartbeat counts them. Reports nothing
    /// yet (the bus is not running); <see cref="ReportTakenBack"/> does, once it is.
    /// A container that was created but never started is what an agent killed between create and start leaves;
    /// its DeployActor was not acknowledged and comes again, so it is removed rather than started here.
    /// </summary>
    public async Task TakeBack(CancellationToken cancellationToken)
    {
        foreach (var found in await runtime.FindActorsAsync(NodeId, cancellationToken))
        {
            var name = ActorProtocol.ContainerName(found.Command.ActorId);
            if (found.State == FoundActorState.NeverStarted)
            {
                logger.LogInformation("Removing {Container}: created by an earlier agent but never started", name);
                await runtime.RemoveAsync(name, cancellationToken);
                continue;
            }
            _actors[found.Command.ActorId] = new RunningActor(found.Command, found.ContainerId, found.StartedAt);
            _found.Add(found);
            logger.LogInformation("Took back actor {ActorId} ({Role}) of project {ProjectId}: container {ContainerId} {State}",
                found.Command.ActorId, found.Command.Role, found.Command.ProjectId, found.ContainerId, found.State);
        }
    }

    /// <summary>
    /// Once the bus runs: reports the actors taken back and follows them again. Their output is read from the first
    /// line, not from now: what an actor printed while no agent was reading (its data fetched, its aggregator reached)
    /// would otherwise be lost, and the saga takes a fact it already has as a no-op. An actor that ended while no agent
    /// was there is reported as exited, with its exit code and last lines, and then removed: no command will ever run it
    /// again, and if its project is over nobody would ask for its removal (a running actor of a finished project is
    /// removed by the RemoveActor that waits for this node in its queue).
    /// </summary>
    public async Task ReportTakenBack()
    {
        var publish = bus();
        foreach (var found in _found)
        {
            var gate = Gate(found.Command.ActorId);
            await gate.WaitAsync();
            try
            {
                // Removed meanwhile by a RemoveActor that came first: nothing left to report.
                if (!_actors.TryGetValue(found.Command.ActorId, out var actor) || actor.ContainerId != found.ContainerId) continue;
                if (found.State == FoundActorState.Running)
                    await PublishStarted(publish, actor);
                _ = Task.Run(() => Follow(actor, removeWhenEnded: found.State == FoundActorState.Exited));
            }
            finally
            {
                gate.Release();
            }
        }
        _found.Clear();
    }

    private Task PublishStarted(IPublishEndpoint publish, RunningActor actor) =>
        publish.Publish(new ActorStarted
        {
            ProjectId = actor.Command.ProjectId, ActorId = actor.Command.ActorId, NodeId = NodeId,
            ContainerId = actor.ContainerId, Role = actor.Command.Role, StartedAt = actor.StartedAt
        });

    private async Task Follow(RunningActor actor, bool removeWhenEnded = false)
    {
        var command = actor.Command;
        var lastLines = new Queue<string>();
        long exitCode;
        try
        {
            exitCode = await runtime.FollowAsync(actor.ContainerId, line =>
            {
                lastLines.Enqueue(line.Text);
                if (lastLines.Count > options.LastLinesOnExit) lastLines.Dequeue();
                return OnOutput(actor, line);
            }, actor.Stop.Token);
        }
        catch (Exception) when (actor.Released)
        {
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Lost the output of actor {ActorId}", command.ActorId);
            return;
        }
        if (actor.Released) return;

        _actors.TryRemove(new KeyValuePair<Guid, RunningActor>(command.ActorId, actor));
        await Fail(bus(), command, FailureStages.Exited,
            $"The {command.Role} exited on its own with code {exitCode}. Last output: {string.Join(" | ", lastLines)}", (int)exitCode);
        if (removeWhenEnded)
            await RemoveContainer(command.ActorId, CancellationToken.None);
    }

    private async Task OnOutput(RunningActor actor, ActorOutputLine line)
    {
        var parsed = ActorEventLine.TryParse(line.Text);
        if (parsed is null) return;
        var c = actor.Command;
        var publish = bus();
        // Follow runs on from the DeployActor it began with, so these spans join the deployment's trace.
        using var span = FlopsTelemetry.Source.StartActivity($"actor {parsed.Event}");
        span?.SetTag("flops.project", c.ProjectId).SetTag("flops.actor", c.ActorId).SetTag("flops.node", NodeId);
        switch (parsed.Event)
        {
            case ActorEventLine.DataFetched:
                actor.DataFetched = true;
                await publish.Publish(new DataFetched
                {
                    ProjectId = c.ProjectId, ActorId = c.ActorId, NodeId = NodeId,
                    Samples = parsed.Samples ?? 0, Duration = (line.At - actor.StartedAt).Duration()
                });
                break;
            case ActorEventLine.AggregatorConnected:
                await publish.Publish(new AggregatorConnected
                {
                    ProjectId = c.ProjectId, ActorId = c.ActorId, NodeId = NodeId, Aggregator = c.AggregatorEndpoint
                });
                break;
            case ActorEventLine.Failed:
                await Fail(publish, c, actor.DataFetched || c.Role != ActorRoles.Learner ? FailureStages.Connect : FailureStages.Data,
                    parsed.Reason ?? "the actor reported a failure without a reason");
                break;
        }
    }

    /// <summary>Stops and removes the actor, whatever it is doing; removing what is already gone is not an error.</summary>
    public async Task Remove(RemoveActor command, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        if (command.NodeId != NodeId)
        {
            logger.LogWarning("RemoveActor for node {Target} reached the agent of {NodeId}; refused", command.NodeId, NodeId);
            return;
        }
        _removed.Add(command.ActorId);
        // A deployment still pulling would otherwise hold the actor's gate until its pull ends, and then start it.
        if (_deployments.TryGetValue(command.ActorId, out var deployment))
        {
            try
            {
                await deployment.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // The deployment ended in the meantime: the actor's gate, taken next, sees how it ended.
            }
        }
        await RemoveContainer(command.ActorId, cancellationToken);
        await publish.Publish(new ActorRemoved { ProjectId = command.ProjectId, ActorId = command.ActorId, NodeId = NodeId }, cancellationToken);
        logger.LogInformation("Actor {ActorId} removed from {NodeId}: {Reason}", command.ActorId, NodeId, command.Reason);
    }

    private async Task RemoveContainer(Guid actorId, CancellationToken cancellationToken)
    {
        var gate = Gate(actorId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_actors.TryRemove(actorId, out var actor))
            {
                actor.Released = true;
                await actor.Stop.CancelAsync();
            }
            await runtime.RemoveAsync(ActorProtocol.ContainerName(actorId), cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private SemaphoreSlim Gate(Guid actorId) => _actorLocks.GetOrAdd(actorId, _ => new SemaphoreSlim(1, 1));

    /// <summary>What this node tells the planner: capacity, what is left of it, what images it holds and what it runs.</summary>
    public async Task<NodeSnapshot> Snapshot(CancellationToken cancellationToken)
    {
        var held = _actors.Values.Select(a => a.Command.Resources).ToList();
        return new NodeSnapshot
        {
            NodeId = NodeId,
            Address = options.Address,
            AddOns = options.AddOns,
            Cluster = options.Cluster,
            Capacity = new ActorResources { CpuMillis = options.CpuMillis, MemoryMb = options.MemoryMb },
            Free = new ActorResources
            {
                CpuMillis = options.CpuMillis - held.Sum(r => r.CpuMillis),
                MemoryMb = options.MemoryMb - held.Sum(r => r.MemoryMb)
            },
            CachedImages = await runtime.CachedImagesAsync(cancellationToken),
            PortRangeStart = options.PortRangeStart,
            PortRangeEnd = options.PortRangeEnd,
            HeartbeatInterval = options.HeartbeatInterval,
            PortsInUse = _actors.Values.Where(a => a.Command.ListenPort is not null).Select(a => a.Command.ListenPort!.Value).ToList(),
            Actors = _actors.Values.Select(a => a.Command).Select(c => new HostedActor
            {
                ProjectId = c.ProjectId, ActorId = c.ActorId, Role = c.Role, Instance = c.Instance, CustomerId = c.CustomerId,
                Image = c.Image, Resources = c.Resources, ListenPort = c.ListenPort, AggregatorEndpoint = c.AggregatorEndpoint, DataTags = c.DataTags,
            }).ToList(),
        };
    }

    /// <summary>
    /// Stops following, and leaves the actors to the runtime: containers outlive an agent restart (a restart of
    /// the agent is not a restart of the node), local processes end with the agent that started them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var actor in _actors.Values)
        {
            actor.Released = true;
            await actor.Stop.CancelAsync();
        }
        if (runtime is IDisposable disposable) disposable.Dispose();
    }

    private async Task Fail(IPublishEndpoint publish, DeployActor command, string stage, string reason, int? exitCode = null)
    {
        logger.LogWarning("Actor {ActorId} of project {ProjectId} failed at {Stage} on {NodeId}: {Reason}",
            command.ActorId, command.ProjectId, stage, NodeId, reason);
        await publish.Publish(new ActorFailed
        {
            ProjectId = command.ProjectId, ActorId = command.ActorId, NodeId = NodeId,
            Stage = stage, Reason = reason, ExitCode = exitCode
        });
    }
}

using System.Collections.Concurrent;
using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// One worker node's agent: turns DeployActor into a running actor, follows its output into bus events,
/// and removes it on request. It keeps the actors it runs, so a repeated command is answered, not redone.
/// </summary>
public sealed class NodeAgent(AgentOptions options, IActorRuntime runtime, Func<IPublishEndpoint> bus, ILogger<NodeAgent> logger) : IAsyncDisposable
{
    private sealed class RunningActor(DeployActor command, string containerId, DateTimeOffset startedAt)
    {
        public DeployActor Command { get; } = command;
        public string ContainerId { get; } = containerId;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public CancellationTokenSource Stop { get; } = new();
        public volatile bool Removing;
        public bool DataFetched;
    }

    private readonly ConcurrentDictionary<Guid, RunningActor> _actors = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _actorLocks = new();

    public AgentOptions Options => options;
    public string NodeId => options.NodeId;

    public static string ContainerName(Guid actorId) => $"flops-{actorId:N}";

    public async Task Deploy(DeployActor command, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        if (command.NodeId != NodeId)
        {
            await Fail(publish, command, FailureStages.Create, $"DeployActor for node '{command.NodeId}' reached the agent of node '{NodeId}'; refused.");
            return;
        }
        // One deployment per actor at a time: a duplicate command waits and then finds the actor running.
        var gate = _actorLocks.GetOrAdd(command.ActorId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_actors.ContainsKey(command.ActorId))
            {
                logger.LogInformation("Actor {ActorId} already runs on {NodeId}; repeated DeployActor ignored", command.ActorId, NodeId);
                return;
            }
            await DeployOnce(command, publish, cancellationToken);
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
        if (!options.AllowedRegistries.Contains(image.Registry, StringComparer.OrdinalIgnoreCase))
        {
            await Fail(publish, command, FailureStages.Pull,
                $"Image '{command.Image}' is from registry '{image.Registry}', which this node does not allow (allowed: {string.Join(", ", options.AllowedRegistries)}).");
            return;
        }

        string stage = FailureStages.Pull;
        try
        {
            StartResult started;
            using (var pullSpan = FlopsTelemetry.Source.StartActivity("actor pull"))
            {
                pullSpan?.SetTag("flops.image", command.Image);
                var pullTime = System.Diagnostics.Stopwatch.StartNew();
                var pulled = await runtime.PullAsync(image, cancellationToken);
                await publish.Publish(new ImagePulled
                {
                    ProjectId = command.ProjectId, ActorId = command.ActorId, NodeId = NodeId, Image = command.Image,
                    Digest = pulled.Digest, Duration = pullTime.Elapsed, AlreadyCached = pulled.AlreadyCached
                }, cancellationToken);
            }

            stage = FailureStages.Start;
            using (FlopsTelemetry.Source.StartActivity("actor start"))
                started = await runtime.StartAsync(BuildLaunch(command, image), cancellationToken);

            var actor = new RunningActor(command, started.ContainerId, started.StartedAt);
            _actors[command.ActorId] = actor;
            await publish.Publish(new ActorStarted
            {
                ProjectId = command.ProjectId, ActorId = command.ActorId, NodeId = NodeId,
                ContainerId = started.ContainerId, Role = command.Role, StartedAt = started.StartedAt
            }, cancellationToken);
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

    private ActorLaunch BuildLaunch(DeployActor command, ImageReference image)
    {
        var env = new Dictionary<string, string>
        {
            ["FLOPS_PROJECT_ID"] = command.ProjectId.ToString(),
            ["FLOPS_ACTOR_ID"] = command.ActorId.ToString(),
            ["FLOPS_ROLE"] = command.Role,
            ["FLOPS_NODE_ID"] = NodeId,
        };
        string? dataDir = null;
        if (command.ListenPort is { } port)
        {
            env["FLOPS_LISTEN_PORT"] = port.ToString();
            env["FLOPS_MIN_LEARNERS"] = command.MinLearners.ToString();
            env["FLOPS_TRACKING_URL"] = command.TrackingUrl ?? "";
        }
        if (command.AggregatorEndpoint is { } aggregator)
            env["FLOPS_AGGREGATOR"] = aggregator;
        if (command.Role == ActorRoles.Learner)
        {
            env["FLOPS_DATA_TAGS"] = string.Join(',', command.DataTags);
            dataDir = options.DataDir;
        }
        var labels = new Dictionary<string, string>
        {
            [Labels.Project] = command.ProjectId.ToString(),
            [Labels.Actor] = command.ActorId.ToString(),
            [Labels.Role] = command.Role,
            [Labels.Instance] = command.Instance.ToString(),
            [Labels.Node] = NodeId,
        };
        return new ActorLaunch(command, ContainerName(command.ActorId), image, env, labels, dataDir);
    }

    private async Task Follow(RunningActor actor)
    {
        var command = actor.Command;
        var lastLines = new Queue<string>();
        long exitCode;
        try
        {
            exitCode = await runtime.FollowAsync(actor.ContainerId, line =>
            {
                lastLines.Enqueue(line);
                if (lastLines.Count > options.LastLinesOnExit) lastLines.Dequeue();
                return OnOutput(actor, line);
            }, actor.Stop.Token);
        }
        catch (Exception) when (actor.Removing)
        {
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Lost the output of actor {ActorId}", command.ActorId);
            return;
        }
        if (actor.Removing) return;

        _actors.TryRemove(command.ActorId, out _);
        await Fail(bus(), command, FailureStages.Exited,
            $"The {command.Role} exited on its own with code {exitCode}. Last output: {string.Join(" | ", lastLines)}", (int)exitCode);
    }

    private async Task OnOutput(RunningActor actor, string line)
    {
        var parsed = ActorEventLine.TryParse(line);
        if (parsed is null) return;
        var c = actor.Command;
        var publish = bus();
        switch (parsed.Event)
        {
            case ActorEventLine.DataFetched:
                actor.DataFetched = true;
                await publish.Publish(new DataFetched
                {
                    ProjectId = c.ProjectId, ActorId = c.ActorId, NodeId = NodeId,
                    Samples = parsed.Samples ?? 0, Duration = DateTimeOffset.UtcNow - actor.StartedAt
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

    public async Task Remove(RemoveActor command, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        if (command.NodeId != NodeId)
        {
            logger.LogWarning("RemoveActor for node {Target} reached the agent of {NodeId}; refused", command.NodeId, NodeId);
            return;
        }
        if (_actors.TryRemove(command.ActorId, out var actor))
        {
            actor.Removing = true;
            await actor.Stop.CancelAsync();
        }
        await runtime.RemoveAsync(ContainerName(command.ActorId), cancellationToken);
        await publish.Publish(new ActorRemoved { ProjectId = command.ProjectId, ActorId = command.ActorId, NodeId = NodeId }, cancellationToken);
        logger.LogInformation("Actor {ActorId} removed from {NodeId}: {Reason}", command.ActorId, NodeId, command.Reason);
    }

    /// <summary>What this node tells the planner: capacity, what is left of it, and what images it holds.</summary>
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
            actor.Removing = true;
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

/// <summary>Labels on everything an agent creates, so the engine can be asked what belongs to whom.</summary>
public static class Labels
{
    public const string Project = "flops.project";
    public const string Actor = "flops.actor";
    public const string Role = "flops.role";
    public const string Instance = "flops.instance";
    public const string Node = "flops.node";
}

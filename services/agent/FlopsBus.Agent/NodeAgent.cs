using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// One worker node's agent, put together from its parts: deploying (<see cref="ActorDeployer"/>), following output
/// (<see cref="ActorOutputFollower"/>), removing (<see cref="ActorRemover"/>), reconciling after a restart or an
/// absence (<see cref="ActorTakeBack"/>), reporting (<see cref="ActorReportOutbox"/>) and describing the node
/// (<see cref="NodeSnapshots"/>), over the actors it holds (<see cref="NodeActors"/>).
/// </summary>
public sealed class NodeAgent : IAsyncDisposable
{
    private readonly IActorRuntime _runtime;
    private readonly NodeActors _actors = new();
    private readonly ActorDeployer _deployer;
    private readonly ActorRemover _remover;
    private readonly ActorTakeBack _takeBack;
    private readonly NodeSnapshots _snapshots;
    private readonly TaskCompletionSource _reconciled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeAgent(AgentOptions options, IActorRuntime runtime, Func<IBus> bus, TimeProvider clock, ILogger<NodeAgent> logger)
    {
        Options = options;
        _runtime = runtime;
        Reports = new ActorReportOutbox(bus, clock, logger);
        var follower = new ActorOutputFollower(options, runtime, _actors, Reports, logger);
        _deployer = new ActorDeployer(options, runtime, _actors, follower, Reports, clock, logger);
        _remover = new ActorRemover(options, runtime, _actors, Reports, logger);
        _takeBack = new ActorTakeBack(options, runtime, _actors, _remover, follower, Reports, bus, logger);
        _snapshots = new NodeSnapshots(options, runtime, _actors);
    }

    public AgentOptions Options { get; }
    /// <summary>Where the agent's reports on its actors wait for the broker; the host runs its delivery.</summary>
    public ActorReportOutbox Reports { get; }
    public string NodeId => Options.NodeId;
    /// <summary>Per-actor gates in use now (none once the agent is idle).</summary>
    public int GatesInUse => _actors.Gates.Count;

    /// <summary>Completes once the agent has reconciled at start-up: only then does it report its node live.</summary>
    public Task Reconciled => _reconciled.Task;

    public Task Deploy(DeployActor command, IPublishEndpoint publish, CancellationToken cancellationToken) =>
        _deployer.Deploy(command, publish, cancellationToken);

    public Task Remove(RemoveActor command, CancellationToken cancellationToken) =>
        _remover.Remove(command, cancellationToken);

    public Task TakeBack(CancellationToken cancellationToken) => _takeBack.TakeBack(cancellationToken);

    /// <summary>Once the bus runs: removes what the saga retired, reports the rest, and lets the node report itself live.</summary>
    public async Task Reconcile(CancellationToken cancellationToken)
    {
        try
        {
            await _takeBack.RemoveRetired(cancellationToken);
            await _takeBack.ReportTakenBack();
        }
        finally
        {
            _reconciled.TrySetResult();
        }
    }

    /// <summary>After the node was cut off from the bus: removes what the saga retired meanwhile, before it reports itself live again.</summary>
    public Task RemoveRetired(CancellationToken cancellationToken) => _takeBack.RemoveRetired(cancellationToken);

    public Task<NodeSnapshot> Snapshot(CancellationToken cancellationToken) => _snapshots.Take(cancellationToken);

    /// <summary>
    /// Stops following, and leaves the actors to the runtime: containers outlive an agent restart (a restart of
    /// the agent is not a restart of the node), local processes end with the agent that started them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var actor in _actors.Running.Values)
        {
            actor.Released = true;
            await actor.Stop.CancelAsync();
        }
        if (_runtime is IDisposable disposable) disposable.Dispose();
    }
}

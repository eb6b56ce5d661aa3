using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// Reconciles the agent with its runtime and with the saga. At start-up, before this node's commands are consumed,
/// it takes back the actors an earlier agent of this node left behind, so a repeated DeployActor finds them and the
/// first heartbeat counts them. Once the bus runs, and before the node reports itself live, it asks the saga which of
/// them belong to deployments that ended or were retired (a node lost while its project was torn down, or its
/// learner re-placed elsewhere) and removes those; it reports the rest and follows them again.
/// </summary>
public sealed class ActorTakeBack(AgentOptions options, IActorRuntime runtime, NodeActors actors, ActorRemover remover,
    ActorOutputFollower follower, ActorReportOutbox reports, Func<IBus> bus, ILogger<NodeAgent> logger)
{
    private readonly List<FoundActor> _found = [];

    /// <summary>
    /// Takes back what the runtime holds; reports nothing yet (the bus is not running). A container that was created
    /// but never started is what an agent killed between create and start leaves; its DeployActor was not acknowledged
    /// and comes again, so it is removed rather than started here.
    /// </summary>
    public async Task TakeBack(CancellationToken cancellationToken)
    {
        foreach (var found in await runtime.FindActorsAsync(options.NodeId, cancellationToken))
        {
            var name = ActorProtocol.ContainerName(found.Actor.ActorId);
            if (found.State == FoundActorState.NeverStarted)
            {
                logger.LogInformation("Removing {Container}: created by an earlier agent but never started", name);
                await runtime.RemoveAsync(name, cancellationToken);
                continue;
            }
            actors.Running[found.Actor.ActorId] = new RunningActor(found.Actor, found.ContainerId, found.StartedAt);
            _found.Add(found);
            logger.LogInformation("Took back actor {ActorId} ({Role}) of project {ProjectId}: container {ContainerId} {State}",
                found.Actor.ActorId, found.Actor.Role, found.Actor.ProjectId, found.ContainerId, found.State);
        }
    }

    /// <summary>
    /// Removes the actors the saga says are over. Best effort: when the saga does not answer in time, nothing is
    /// removed now, and an actor of an ended deployment that reports itself is removed by the saga when it hears of it.
    /// </summary>
    public async Task RemoveRetired(CancellationToken cancellationToken)
    {
        var held = actors.Running.Values.Select(a => a.Actor).ToList();
        if (held.Count == 0) return;
        IReadOnlyList<Guid> retired;
        try
        {
            var client = bus().CreateRequestClient<GetRetiredActors>(RequestTimeout.After(s: (int)options.RetiredActorsTimeout.TotalSeconds));
            var response = await client.GetResponse<RetiredActors>(new GetRetiredActors { NodeId = options.NodeId, Actors = held }, cancellationToken);
            retired = response.Message.ActorIds;
        }
        catch (Exception e) when (e is RequestTimeoutException or RequestFaultException or MassTransitException)
        {
            logger.LogWarning("The saga did not say which of the {Count} actors of node {NodeId} are over ({Reason}); keeping them for now",
                held.Count, options.NodeId, e.Message);
            return;
        }
        foreach (var actorId in retired.Intersect(held.Select(a => a.ActorId)))
        {
            logger.LogInformation("Removing actor {ActorId} from {NodeId}: its deployment ended or the saga retired it", actorId, options.NodeId);
            await remover.Remove(actorId, cancellationToken);
        }
    }

    /// <summary>
    /// Reports the actors taken back and follows them again. Their output is read from the first line, not from now:
    /// what an actor printed while no agent was reading (its data fetched, its aggregator reached) would otherwise be
    /// lost, and the saga takes a fact it already has as a no-op. An actor that ended while no agent was there is
    /// reported as exited, with its exit code and last lines, and then removed: no command will ever run it again.
    /// </summary>
    public async Task ReportTakenBack()
    {
        foreach (var found in _found)
        {
            using var gate = await actors.Gates.Enter(found.Actor.ActorId, CancellationToken.None);
            // Removed meanwhile (retired, or by a RemoveActor that came first): nothing left to report.
            if (!actors.Running.TryGetValue(found.Actor.ActorId, out var running) || running.ContainerId != found.ContainerId) continue;
            if (found.State == FoundActorState.Running)
                await ActorReports.Started(reports, options.NodeId, running).WaitAsync(running.Stop.Token);
            follower.Start(running, removeWhenEnded: found.State == FoundActorState.Exited);
        }
        _found.Clear();
    }
}

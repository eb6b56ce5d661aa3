using FlopsBus.Contracts;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>Stops and removes an actor, whatever it is doing; removing what is already gone is not an error.</summary>
public sealed class ActorRemover(AgentOptions options, IActorRuntime runtime, NodeActors actors, ActorReportOutbox reports, ILogger<NodeAgent> logger)
{
    /// <summary>Removes the actor and reports it removed, behind whatever else was reported of it.</summary>
    public async Task Remove(RemoveActor command, CancellationToken cancellationToken)
    {
        if (command.NodeId != options.NodeId)
        {
            logger.LogWarning("RemoveActor for node {Target} reached the agent of {NodeId}; refused", command.NodeId, options.NodeId);
            return;
        }
        await Remove(command.ActorId, cancellationToken);
        await reports.Post(new ActorRemoved { ProjectId = command.ProjectId, ActorId = command.ActorId, NodeId = options.NodeId }).WaitAsync(cancellationToken);
        logger.LogInformation("Actor {ActorId} removed from {NodeId}: {Reason}", command.ActorId, options.NodeId, command.Reason);
    }

    /// <summary>Calls off the actor's deployment if one is under way, then stops and removes its container.</summary>
    public async Task Remove(Guid actorId, CancellationToken cancellationToken)
    {
        actors.Removed.Add(actorId);
        // A deployment still pulling would otherwise hold the actor's gate until its pull ends, and then start it.
        if (actors.Deploying.TryGetValue(actorId, out var deployment))
        {
            try
            {
                await deployment.Deployment.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // The deployment ended in the meantime: the actor's gate, taken next, sees how it ended.
            }
        }
        using var gate = await actors.Gates.Enter(actorId, cancellationToken);
        if (actors.Running.TryRemove(actorId, out var running))
        {
            running.Released = true;
            await running.Stop.CancelAsync();
        }
        await runtime.RemoveAsync(ActorProtocol.ContainerName(actorId), cancellationToken);
    }
}

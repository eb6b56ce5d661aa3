using System.Collections.Concurrent;
using FlopsBus.Contracts;

namespace FlopsBus.Agent;

/// <summary>An actor this agent runs: what it was told to run, and the container that runs it.</summary>
public sealed class RunningActor(ActorSpec actor, string containerId, DateTimeOffset startedAt)
{
    public ActorSpec Actor { get; } = actor;
    public string ContainerId { get; } = containerId;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public CancellationTokenSource Stop { get; } = new();
    /// <summary>The agent no longer answers for this actor (removed, or the agent is stopping): its end is not reported.</summary>
    public volatile bool Released;
    /// <summary>What its output made the agent report (data fetched, connected), in order, to report again on a repeated DeployActor.</summary>
    public ConcurrentQueue<object> Reported { get; } = new();
    public bool DataFetched => Reported.Any(fact => fact is DataFetched);
}

/// <summary>
/// What one node's agent holds: the actors it runs, those it is deploying now (a removal calls them off), the ones
/// it was told to remove, and a gate per actor. The agent's parts share it; each changes it only under the actor's gate.
/// </summary>
public sealed class NodeActors
{
    public ConcurrentDictionary<Guid, RunningActor> Running { get; } = new();
    public ConcurrentDictionary<Guid, (ActorSpec Actor, CancellationTokenSource Deployment)> Deploying { get; } = new();
    public RemovedActors Removed { get; } = new();
    public ActorGates Gates { get; } = new();

    /// <summary>Every actor that holds this node's capacity: running, or on its way (pulling, starting).</summary>
    public IReadOnlyList<ActorSpec> Held() =>
        Running.Values.Select(a => a.Actor).Concat(Deploying.Values.Select(d => d.Actor)).DistinctBy(a => a.ActorId).ToList();
}

using System.Collections.Concurrent;

namespace FlopsBus.Agent;

/// <summary>
/// The actors this agent was told to remove, most recent first, so a DeployActor that comes after its
/// RemoveActor (redelivered, or overtaken by a quick cancellation) starts nothing that no one would remove again.
/// Bounded: the oldest are forgotten first. Kept in memory only, so an agent restart forgets them.
/// </summary>
public sealed class RemovedActors(int capacity = RemovedActors.DefaultCapacity)
{
    public const int DefaultCapacity = 10_000;

    private readonly ConcurrentDictionary<Guid, byte> _ids = new();
    private readonly ConcurrentQueue<Guid> _order = new();

    public void Add(Guid actorId)
    {
        if (!_ids.TryAdd(actorId, 0)) return;
        _order.Enqueue(actorId);
        while (_ids.Count > capacity && _order.TryDequeue(out var oldest))
            _ids.TryRemove(oldest, out _);
    }

    public bool Contains(Guid actorId) => _ids.ContainsKey(actorId);
}

namespace FlopsBus.Agent;

/// <summary>
/// One gate per actor id, held while the actor is deployed or removed, so a duplicate command waits for the first
/// and then sees how it ended. A gate lives only while someone holds or waits for it: the agent runs actors for
/// years, and a dictionary of every actor it ever saw would only grow.
/// </summary>
public sealed class ActorGates
{
    private sealed class Gate
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Users;
    }

    private readonly Dictionary<Guid, Gate> _gates = new();

    /// <summary>Waits for the actor's gate; disposing the result lets the next one in.</summary>
    public async Task<IDisposable> Enter(Guid actorId, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(actorId, out gate!)) _gates[actorId] = gate = new Gate();
            gate.Users++;
        }
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(actorId, gate, entered: false);
            throw;
        }
        return new Entered(() => Leave(actorId, gate, entered: true));
    }

    /// <summary>Gates in use now.</summary>
    public int Count
    {
        get { lock (_gates) return _gates.Count; }
    }

    private void Leave(Guid actorId, Gate gate, bool entered)
    {
        if (entered) gate.Semaphore.Release();
        lock (_gates)
            if (--gate.Users == 0) _gates.Remove(actorId);
    }

    private sealed class Entered(Action leave) : IDisposable
    {
        private Action? _leave = leave;
        public void Dispose() => Interlocked.Exchange(ref _leave, null)?.Invoke();
    }
}

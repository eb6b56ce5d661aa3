using FlopsBus.Contracts;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// Writes each project's saga document behind the messages that change it.
/// <list type="bullet">
/// <item>A message's change is taken at once: the project's next message, which the partitioner holds until this one is
/// through the saga, starts from the very instance it left, without waiting for the database or reading anything back.</item>
/// <item>The writes go out one at a time per project, after <see cref="DeploymentOptions.WriteDelay"/>, each carrying
/// every change taken since the last one: a burst of a project's events (a learner's start, data and connection come
/// within milliseconds) costs one write, and its document is written out (the write's snapshot) once, not per event.
/// The writes of many projects share a round trip and a commit (<see cref="WriteBatches"/>).</item>
/// <item>A message is acknowledged, and what it publishes leaves, only once a write that carries its change has
/// committed (<see cref="ProjectWritesInFlight"/>).</item>
/// <item>A write that fails (the version moved on under another saga host, or the database went away) fails every
/// message whose change it carried or that was built on it; the project is forgotten here and their retries read the
/// database.</item>
/// <item>A message that fails before its change is taken may have left the instance half changed: it is abandoned
/// (<see cref="Abandon"/>), and the next message starts from the last snapshot.</item>
/// </list>
/// MassTransit's saga repositories write per message; none coalesces, so this is ours.
/// </summary>
public sealed class ProjectDocumentWriter : IDisposable
{
    /// <summary>
    /// Writer loops, each with a connection of its own while it writes: a few, so that PostgreSQL serves a few busy
    /// sessions rather than one per project in flight, each writing many projects per round trip and commit.
    /// </summary>
    private const int Writers = 4;
    private const int WritesPerBatch = 64;

    private readonly ProjectDeploymentStore store;
    private readonly SagaInstanceCache cache;
    /// <summary>Projects whose changes wait to be written, each in line once at most (while <see cref="PendingProject.Writing"/> is set).</summary>
    private readonly Channel<(Guid Id, PendingProject Pending, long Due)> _waiting = Channel.CreateUnbounded<(Guid, PendingProject, long)>();
    private readonly ConcurrentDictionary<Guid, PendingProject> _pending = new();
    /// <summary>Which pending project an instance was read from: its change must build on that one, still pending.</summary>
    private readonly ConditionalWeakTable<ProjectDeploymentState, PendingProject> _readFrom = new();

    /// <summary><see cref="DeploymentOptions.WriteDelay"/>, in <see cref="Stopwatch"/> ticks.</summary>
    private readonly long _delay;

    public ProjectDocumentWriter(ProjectDeploymentStore store, SagaInstanceCache cache, DeploymentOptions options)
    {
        this.store = store;
        this.cache = cache;
        _delay = (long)(options.WriteDelay.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < Writers; i++) _ = Task.Run(WriteBatches);
    }

    /// <summary>
    /// The saga instance: with changes still being written, as the last one left it; otherwise as this process last
    /// wrote it (<see cref="SagaInstanceCache"/>) or as stored. Until its message is through the saga, the instance is
    /// that message's alone: the partitioner holds the project's next one. A status request reads the database, and the
    /// timeline with it, once the project's pending changes are written.
    /// </summary>
    public async Task<ProjectDeploymentState?> Load(Guid correlationId, bool withTimeline, CancellationToken cancellationToken)
    {
        if (withTimeline)
        {
            await Written(correlationId).WaitAsync(cancellationToken);
            return await store.Load(correlationId, withTimeline: true, cancellationToken);
        }
        if (_pending.TryGetValue(correlationId, out var pending))
        {
            lock (pending)
            {
                if (!pending.Failed)
                {
                    var instance = pending.Instance ??= Restored(pending.Snapshot!);
                    pending.InUse = true;
                    _readFrom.AddOrUpdate(instance, pending);
                    return instance;
                }
            }
        }
        if (cache.TryGet(correlationId, out var known)) return known;
        return await store.Load(correlationId, withTimeline: false, cancellationToken);
    }

    /// <summary>The instance again from the last snapshot: the one the changes left was abandoned.</summary>
    private static ProjectDeploymentState Restored(ProjectSnapshot snapshot)
    {
        var instance = ProjectDeploymentStore.Read(snapshot.Document);
        instance.Version = snapshot.Version;
        return instance;
    }

    /// <summary>
    /// The message that read <paramref name="instance"/> failed before its change was taken: what it changed may be half
    /// done, so the instance is handed out no more. Changes taken since the last snapshot lived only in it: the messages
    /// that made them fail too, and their retries make them again from the snapshot (or, with none, from the database).
    /// </summary>
    public void Abandon(ProjectDeploymentState instance)
    {
        var id = instance.CorrelationId;
        if (!_readFrom.TryGetValue(instance, out var pending))
        {
            cache.Forget(id);
            return;
        }
        TaskCompletionSource? lost = null;
        // Under the lock: a write that ends meanwhile must not put it in the cache.
        lock (pending)
        {
            pending.InUse = false;
            if (pending.Instance == instance)
            {
                pending.Instance = null;
                if (pending.Version != pending.Snapshot?.Version)
                {
                    (lost, pending.Next, pending.Timeline) = (pending.Next, null, []);
                    if (pending.Snapshot is { } snapshot) pending.Version = snapshot.Version;
                    else Forget(id, pending);
                }
                if (pending.SnapshotWanted)
                {
                    // The writer set it aside for the snapshot; back in line, it finds nothing left to write.
                    pending.SnapshotWanted = false;
                    InLine(id, pending);
                }
            }
            cache.Forget(id);
        }
        lost?.TrySetException(new ProjectDeploymentConcurrencyException(id, "was left half changed by a message that failed"));
    }

    /// <summary>Takes a new deployment's first change; the task ends once it is stored.</summary>
    public Task Insert(ProjectDeploymentState instance) => Take(instance, read: 0);

    /// <summary>Takes a change of the deployment as read; the task ends once a write carrying it is stored.</summary>
    public Task Update(ProjectDeploymentState instance) => Take(instance, read: instance.Version);

    public async Task Delete(ProjectDeploymentState instance, CancellationToken cancellationToken)
    {
        await Written(instance.CorrelationId).WaitAsync(cancellationToken);
        cache.Forget(instance.CorrelationId);
        await store.Delete(instance.CorrelationId, cancellationToken);
    }

    /// <summary>Ends once the project's changes taken so far are written, or their write failed.</summary>
    private Task Written(Guid correlationId)
    {
        if (!_pending.TryGetValue(correlationId, out var pending)) return Task.CompletedTask;
        Task? last;
        lock (pending) last = pending.Next?.Task ?? pending.Writing?.Task;
        return last is null ? Task.CompletedTask : last.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private Task Take(ProjectDeploymentState instance, int read)
    {
        var id = instance.CorrelationId;
        var current = _pending.GetValueOrDefault(id);
        PendingProject pending;
        if (_readFrom.TryGetValue(instance, out var readFrom))
        {
            // Read from a pending project: the change builds on it, which must still be the project's latest.
            if (current is not null && current != readFrom) throw Stale(id, read);
            pending = readFrom;
        }
        else
        {
            // Read from the store, or as this process last wrote it: a version the database holds (or held).
            pending = current ?? _pending.GetOrAdd(id, _ => new PendingProject(read));
        }

        Task written;
        bool start;
        lock (pending)
        {
            // A pending project whose last write has just finished leaves the dictionary; a change built on it brings it back.
            if (pending.Failed || pending.Version != read || (_pending.GetValueOrDefault(id) != pending && !_pending.TryAdd(id, pending)))
                throw Stale(id, read);
            instance.Version = read + 1;
            pending.Version = instance.Version;
            pending.Instance = instance;
            pending.InUse = false;
            // The entries leave the instance with the change: the instance goes on to the project's next message.
            pending.Timeline.AddRange(instance.Timeline.Skip(instance.TimelineStored));
            instance.Timeline = [];
            instance.TimelineStored = 0;
            pending.Next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            written = pending.Next.Task;
            start = pending.Writing is null;
            if (start) pending.Writing = pending.Next;
            if (pending.SnapshotWanted)
            {
                // The writer found the instance in use by this message: the snapshot is taken here, and back in line.
                pending.SnapshotWanted = false;
                pending.Snapshot = ProjectSnapshot.Of(instance);
                start = true;
            }
        }
        _readFrom.AddOrUpdate(instance, pending);
        if (start) InLine(id, pending);
        return written;
    }

    /// <summary>
    /// A writer loop: takes the projects whose changes wait, up to <see cref="WritesPerBatch"/>, and writes each one's
    /// changes taken so far in one batch (one round trip, one transaction). A project written goes back in line, to
    /// be written again if more changes came meanwhile, or else to leave the pending ones.
    /// </summary>
    private async Task WriteBatches()
    {
        var batch = new List<(Guid Id, PendingProject Pending, ProjectDocumentWrite Write, TaskCompletionSource Carried)>();
        while (await _waiting.Reader.WaitToReadAsync())
        {
            // The first in line is written once its delay is over, with those whose delay is over by then. A pause in
            // real time, not the host's TimeProvider: a test's clock that stands still must not hold the writes.
            // Task.Delay counts whole milliseconds, and would not wait at all for less than one.
            if (_waiting.Reader.TryPeek(out var first) && Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), first.Due) is { Ticks: > 0 } wait)
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)));
            batch.Clear();
            while (batch.Count < WritesPerBatch && _waiting.Reader.TryPeek(out var next) && next.Due <= Stopwatch.GetTimestamp() &&
                   _waiting.Reader.TryRead(out var waiting))
            {
                var (id, pending, _) = waiting;
                lock (pending)
                {
                    if (pending.Next is null)
                    {
                        // The cache first: a read that no longer finds the project pending must find what was just written.
                        pending.Writing = null;
                        if (pending.Instance is { } written) cache.Written(written);
                        _pending.TryRemove(new KeyValuePair<Guid, PendingProject>(id, pending));
                        continue;
                    }
                    if (pending.Snapshot?.Version != pending.Version)
                    {
                        // A message has the instance: it takes the snapshot along with its change, and puts the project back in line.
                        if (pending.InUse)
                        {
                            pending.SnapshotWanted = true;
                            continue;
                        }
                        pending.Snapshot = ProjectSnapshot.Of(pending.Instance!);
                    }
                    var snapshot = pending.Snapshot;
                    var carried = pending.Writing = pending.Next;
                    pending.Next = null;
                    batch.Add((id, pending, new ProjectDocumentWrite(id, snapshot.CurrentState, snapshot.CustomerId, pending.Stored, snapshot.Version,
                        snapshot.Document, snapshot.ActorCounts, snapshot.NextDeadline, pending.Timeline), carried));
                    pending.Timeline = [];
                }
            }
            if (batch.Count == 0) continue;
            IReadOnlyList<bool> stored;
            try
            {
                stored = await store.Write(batch.Select(b => b.Write).ToList(), CancellationToken.None);
            }
            catch (Exception e)
            {
                foreach (var (id, pending, _, carried) in batch) Fail(id, pending, carried, e);
                continue;
            }
            for (var i = 0; i < batch.Count; i++)
            {
                var (id, pending, write, carried) = batch[i];
                if (!stored[i])
                {
                    Fail(id, pending, carried, new ProjectDeploymentConcurrencyException(id, write.Read == 0
                        ? "was created by a concurrent message" : $"changed since version {write.Read} was read"));
                    continue;
                }
                lock (pending) pending.Stored = write.Version;
                carried.TrySetResult();
                InLine(id, pending);
            }
        }
    }

    /// <summary>The write failed: so do the messages whose changes it carried and those built on them; the project is forgotten here.</summary>
    private void Fail(Guid id, PendingProject pending, TaskCompletionSource carried, Exception e)
    {
        TaskCompletionSource? builtOn;
        lock (pending)
        {
            pending.Writing = null;
            builtOn = pending.Next;
            pending.Next = null;
            Forget(id, pending);
        }
        carried.TrySetException(e);
        builtOn?.TrySetException(e);
    }

    /// <summary>Forgets the project here (under its lock): the next message reads the database.</summary>
    private void Forget(Guid id, PendingProject pending)
    {
        pending.Failed = true;
        cache.Forget(id);
        _pending.TryRemove(new KeyValuePair<Guid, PendingProject>(id, pending));
    }

    /// <summary>Puts a project in line to be written after the delay (or, if nothing changed meanwhile, to leave the pending ones).</summary>
    private void InLine(Guid id, PendingProject pending) => _waiting.Writer.TryWrite((id, pending, Stopwatch.GetTimestamp() + _delay));

    /// <summary>Stops the writer loops once the changes taken so far are written.</summary>
    public void Dispose() => _waiting.Writer.TryComplete();

    private static ProjectDeploymentConcurrencyException Stale(Guid id, int read) =>
        new(id, $"changed in this process since version {read} was read");

    /// <summary>A project with changes taken and not all written yet.</summary>
    private sealed class PendingProject(int stored)
    {
        /// <summary>The version the database holds (0: not inserted yet).</summary>
        public int Stored = stored;
        /// <summary>The version of the latest change taken.</summary>
        public int Version = stored;
        /// <summary>The instance the latest change left, which the next message goes on from (null once abandoned).</summary>
        public ProjectDeploymentState? Instance;
        /// <summary>A message has <see cref="Instance"/> and may be changing it: no snapshot of it now.</summary>
        public bool InUse;
        /// <summary>The writer found it <see cref="InUse"/>: the message takes the snapshot with its change.</summary>
        public bool SnapshotWanted;
        /// <summary>What the last write started stored (or stores), and the instance again if it is abandoned.</summary>
        public ProjectSnapshot? Snapshot;
        /// <summary>Timeline entries taken and not written yet, oldest first.</summary>
        public List<ProjectEvent> Timeline = [];
        /// <summary>The messages whose changes the next write will carry (none taken since the last write started: null).</summary>
        public TaskCompletionSource? Next;
        /// <summary>The messages whose changes the write under way carries (none under way: null).</summary>
        public TaskCompletionSource? Writing;
        public bool Failed;
    }
}

/// <summary>A saga instance as a write stores it: its document and the columns beside it, at one version.</summary>
internal sealed record ProjectSnapshot(int Version, string Document, string ActorCounts, string CurrentState, string CustomerId, DateTimeOffset? NextDeadline)
{
    public static ProjectSnapshot Of(ProjectDeploymentState instance) =>
        new(instance.Version, ProjectDeploymentStore.Document(instance), ProjectDeploymentStore.ActorCounts(instance), instance.CurrentState,
            instance.CustomerId, instance.NextDeadline);
}

/// <summary>
/// The writes a message waits for before it is acknowledged: <see cref="AwaitProjectWrites{T}"/> puts a fresh one on
/// each try of the message, outside the partitioner, and the repository adds the write that carries its change.
/// </summary>
public sealed class ProjectWritesInFlight
{
    private readonly List<Task> _writes = [];

    public void Add(Task write)
    {
        lock (_writes) _writes.Add(write);
    }

    public Task Written()
    {
        lock (_writes) return Task.WhenAll(_writes);
    }
}

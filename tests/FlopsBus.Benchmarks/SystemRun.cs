using System.Collections.Concurrent;
using System.Diagnostics;
using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Benchmarks;

/// <summary>
/// What bench-system saw of one run, from the events every service publishes: when each project was submitted,
/// placed (and by which planner process) and became READY, and which node started which actor. From it come the
/// figures and the count of what was lost: projects never READY, nodes holding more than their capacity, actors run twice.
/// </summary>
public sealed class SystemRun(int projects)
{
    private readonly ConcurrentDictionary<Guid, long> _submitted = new();
    private readonly ConcurrentDictionary<Guid, long> _ready = new();
    private readonly ConcurrentDictionary<Guid, long> _placedAt = new();
    private readonly ConcurrentDictionary<Guid, long> _lastStartedAt = new();
    private readonly ConcurrentDictionary<Guid, long> _lastConnectedAt = new();
    private readonly ConcurrentDictionary<Guid, string> _failed = new();
    private readonly ConcurrentDictionary<Guid, PlacedActor> _placed = new();
    private readonly ConcurrentBag<(Guid ActorId, string NodeId)> _started = [];
    private readonly TaskCompletionSource _allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _placements;
    private int? _killedPlanner;
    private long _killedAt;
    private long _failoverPlacementAt;
    private long _lastNews = Stopwatch.GetTimestamp();

    public HostReceiveEndpointHandle Watch(IBus bus) =>
        BenchHost.Watch(bus, "flops-bench-system", e =>
        {
            e.Handler<ProjectPlaced>(c =>
            {
                Interlocked.Increment(ref _placements);
                _placedAt.TryAdd(c.Message.ProjectId, Stopwatch.GetTimestamp());
                foreach (var actor in c.Message.Actors) _placed.TryAdd(actor.Actor.ActorId, actor);
                if (_killedPlanner is { } killed && c.Host?.ProcessId != killed && Interlocked.Read(ref _failoverPlacementAt) == 0)
                    Interlocked.CompareExchange(ref _failoverPlacementAt, Stopwatch.GetTimestamp(), 0);
                return News();
            });
            e.Handler<ActorReplaced>(c =>
            {
                _placed.TryAdd(c.Message.Replacement.Actor.ActorId, c.Message.Replacement);
                return News();
            });
            e.Handler<ActorStarted>(c =>
            {
                _started.Add((c.Message.ActorId, c.Message.NodeId));
                _lastStartedAt.AddOrUpdate(c.Message.ProjectId, Stopwatch.GetTimestamp(), (_, at) => Math.Max(at, Stopwatch.GetTimestamp()));
                return News();
            });
            e.Handler<AggregatorConnected>(c =>
            {
                _lastConnectedAt.AddOrUpdate(c.Message.ProjectId, Stopwatch.GetTimestamp(), (_, at) => Math.Max(at, Stopwatch.GetTimestamp()));
                return News();
            });
            e.Handler<ProjectReady>(c =>
            {
                if (_submitted.ContainsKey(c.Message.ProjectId)) _ready.TryAdd(c.Message.ProjectId, Stopwatch.GetTimestamp());
                return Done();
            });
            e.Handler<ProjectFailed>(c => Failed(c.Message.ProjectId, c.Message.Reason));
            e.Handler<PlacementFailed>(c => Failed(c.Message.ProjectId, c.Message.Reason));
        });

    public void Submitted(Guid projectId) => _submitted[projectId] = Stopwatch.GetTimestamp();

    public void PlannerKilled(int processId)
    {
        _killedAt = Stopwatch.GetTimestamp();
        _killedPlanner = processId;
    }

    public string Progress() =>
        $"  submitted {_submitted.Count,5}/{projects}  placed {Volatile.Read(ref _placements),5}  actors started {_started.Count,6}  READY {_ready.Count,5}  failed {_failed.Count}";

    /// <summary>Waits until every project is READY or failed, or until nothing has happened for <paramref name="quiet"/>.</summary>
    public async Task Finished(TimeSpan quiet)
    {
        while (!_allDone.Task.IsCompleted && Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastNews)) < quiet)
        {
            Console.Error.WriteLine(Progress());
            await Task.WhenAny(_allDone.Task, Task.Delay(TimeSpan.FromSeconds(2)));
        }
    }

    private Task Failed(Guid projectId, string reason)
    {
        if (_submitted.ContainsKey(projectId)) _failed.TryAdd(projectId, reason);
        return Done();
    }

    private Task Done()
    {
        News();
        if (_ready.Count + _failed.Count >= projects) _allDone.TrySetResult();
        return Task.CompletedTask;
    }

    private Task News()
    {
        Interlocked.Exchange(ref _lastNews, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }

    /// <summary>Where submit-to-READY went, stage by stage: p50 and p99 of each over the projects that reached READY.</summary>
    private string Stages()
    {
        IEnumerable<Guid> ready = _ready.Keys;
        string Stage(string name, Func<Guid, long?> from, Func<Guid, long?> to)
        {
            var spans = ready.Select(p => (From: from(p), To: to(p))).Where(x => x is { From: not null, To: not null })
                .Select(x => Stopwatch.GetElapsedTime(x.From!.Value, x.To!.Value).TotalMilliseconds).ToList();
            return $"  {name,-46} p50 {Percentiles.Of(spans, 0.5),7:F0} ms  p99 {Percentiles.Of(spans, 0.99),7:F0} ms";
        }
        long? At(ConcurrentDictionary<Guid, long> times, Guid project) => times.TryGetValue(project, out var at) ? at : null;
        // When the slowest 1% were submitted, in seconds from the first submission: a cluster says a stall, a spread says load.
        var first = _submitted.Values.DefaultIfEmpty().Min();
        var slowest = ready.OrderByDescending(p => Stopwatch.GetElapsedTime(_submitted[p], _ready[p])).Take(Math.Max(1, _ready.Count / 100))
            .Select(p => Stopwatch.GetElapsedTime(first, _submitted[p]).TotalSeconds).Order().Select(t => $"{t:F0}");
        return string.Join(Environment.NewLine,
            $"  slowest 1% submitted at (s) {string.Join(" ", slowest)}",
            Stage("submitted -> placed", p => At(_submitted, p), p => At(_placedAt, p)),
            Stage("placed -> last actor started", p => At(_placedAt, p), p => At(_lastStartedAt, p)),
            Stage("last actor started -> last learner connected", p => At(_lastStartedAt, p), p => At(_lastConnectedAt, p)),
            Stage("last learner connected -> READY", p => At(_lastConnectedAt, p), p => At(_ready, p)));
    }

    /// <summary>Prints the figures and what was lost, for a run on <paramref name="nodes"/> nodes of <paramref name="capacity"/> each.</summary>
    public void Report(ActorResources capacity, int nodes)
    {
        var toReady = _ready.Select(r => Stopwatch.GetElapsedTime(_submitted[r.Key], r.Value).TotalMilliseconds).ToList();
        var span = _ready.IsEmpty ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_submitted.Values.Min(), _ready.Values.Max());
        var started = _started.Distinct().ToList();
        // An actor started on two nodes, or two actors started for one place in one project.
        var twice = started.GroupBy(s => s.ActorId).Count(g => g.Count() > 1)
                    + started.Select(s => _placed.GetValueOrDefault(s.ActorId)).OfType<PlacedActor>()
                        .GroupBy(p => (p.Actor.ProjectId, p.Actor.Role, p.Actor.Instance)).Count(g => g.Select(p => p.Actor.ActorId).Distinct().Count() > 1);
        // Nothing is removed during the run, so what a node started must fit its capacity.
        var overCommitted = started.Select(s => _placed.GetValueOrDefault(s.ActorId)).OfType<PlacedActor>().DistinctBy(p => p.Actor.ActorId)
            .GroupBy(p => p.NodeId)
            .Count(g => g.Sum(p => p.Actor.Resources.CpuMillis) > capacity.CpuMillis || g.Sum(p => p.Actor.Resources.MemoryMb) > capacity.MemoryMb);
        var notReady = projects - _ready.Count;
        Console.WriteLine($"  {_ready.Count} READY, {_failed.Count} failed{(_failed.IsEmpty ? "" : $" (first: {_failed.Values.First()})")}, " +
                          $"{notReady - _failed.Count} with no outcome; {overCommitted} nodes over-committed; {twice} actors run twice; " +
                          $"{started.Count} actors started on {started.Select(s => s.NodeId).Distinct().Count()} of {nodes} nodes");
        Console.WriteLine($"system: {_ready.Count / Math.Max(span.TotalSeconds, 0.001):F1} projects/s, p50 {Percentiles.Of(toReady, 0.5):F0} ms " +
                          $"p99 {Percentiles.Of(toReady, 0.99):F0} ms submit-to-READY at {nodes} nodes, {notReady + overCommitted + twice} lost");
        Console.WriteLine(Stages());
        if (_killedPlanner is not null)
            Console.WriteLine(_failoverPlacementAt == 0
                ? "planner failover: no placement by another planner after the kill"
                : $"planner failover: {Stopwatch.GetElapsedTime(_killedAt, _failoverPlacementAt).TotalMilliseconds:F0} ms");
    }
}

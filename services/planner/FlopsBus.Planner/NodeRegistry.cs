using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// The planner's live view of worker nodes, from their registrations and heartbeats. A node silent for longer
/// than its grace is lost: no longer offered for placement until it is heard from again. Silence is only
/// evidence when the planner hears from other nodes meanwhile: cut off from the bus, it hears from nobody, and
/// declares nobody lost (Kubernetes' node controller stops evicting on a full disruption for the same reason);
/// once it hears again, every node gets its grace anew, and at least <see cref="PlannerOptions.ReconnectGrace"/>:
/// after an outage the nodes come back one by one, each when its own reconnection delay, grown during the outage,
/// runs out. Everything that reads or changes the view or the
/// reservations on it holds <see cref="Gate"/>.
/// </summary>
public sealed class NodeRegistry(PlannerOptions options, TimeProvider clock)
{
    private sealed class Entry(NodeCandidate candidate, DateTimeOffset lastSeen)
    {
        public NodeCandidate Candidate { get; } = candidate;
        public DateTimeOffset LastSeen { get; set; } = lastSeen;
        /// <summary>Until when its silence is excused: set when the planner itself was the one cut off.</summary>
        public DateTimeOffset ExcusedUntil { get; set; }
        public bool Lost { get; set; }
    }

    private readonly Dictionary<string, Entry> _nodes = new();
    private readonly NodeIndex _live = new([]);
    private readonly DateTimeOffset _started = clock.GetUtcNow();
    private TimeSpan _longestInterval;
    /// <summary>The shortest grace any node was given (it only shrinks): a silence shorter than it excuses nobody.</summary>
    private TimeSpan _shortestGrace = TimeSpan.MaxValue;
    /// <summary>When this planner last heard from any node.</summary>
    private DateTimeOffset _lastHeard = clock.GetUtcNow();
    /// <summary>Nodes heard from only by revision, asked to report in full, with when they were first heard.</summary>
    private readonly Dictionary<string, DateTimeOffset> _unreported = new();

    public object Gate { get; } = new();

    /// <summary>
    /// How long until every node has had the chance to heartbeat since this planner started, judged by the longest
    /// interval the nodes heard so far announce, and to report in full when its heartbeat named a snapshot this planner
    /// does not hold: what they run (capacity, observatories) is only known from them, so a planner that has just
    /// started places nothing before then. A node that does not answer the request within its grace is not waited for.
    /// </summary>
    public TimeSpan UntilSettled()
    {
        lock (Gate)
        {
            var now = clock.GetUtcNow();
            var left = _started + _longestInterval - now;
            if (left <= TimeSpan.Zero && _unreported.Values.Any(heard => now - heard < options.NodeGrace))
                left = options.SettlingRetryInterval;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>Records what a node reported; returns true when the node was lost and is back.</summary>
    public bool Observe(NodeSnapshot node)
    {
        lock (Gate)
        {
            var now = clock.GetUtcNow();
            GraceAgainAfterSilence(now);
            _lastHeard = now;
            if (node.HeartbeatInterval > _longestInterval) _longestInterval = node.HeartbeatInterval;
            if (Grace(node) < _shortestGrace) _shortestGrace = Grace(node);
            _unreported.Remove(node.NodeId);
            if (!_nodes.TryGetValue(node.NodeId, out var entry))
            {
                entry = new Entry(new NodeCandidate(node), now);
                _nodes[node.NodeId] = entry;
                _live.Add(entry.Candidate);
                return false;
            }
            entry.Candidate.Update(node);
            entry.LastSeen = now;
            entry.ExcusedUntil = default;
            if (!entry.Lost) return false;
            entry.Lost = false;
            _live.Add(entry.Candidate);
            return true;
        }
    }

    /// <summary>
    /// Records a heartbeat that names the node's snapshot by its revision only. Returns whether this planner holds that
    /// revision of a live node; if not (a node it never heard of, one lost meanwhile, a snapshot it missed), the node
    /// must report in full, and until then counts as silent if it was lost and as it was reported otherwise.
    /// </summary>
    public bool Heard(string nodeId, long revision)
    {
        lock (Gate)
        {
            var now = clock.GetUtcNow();
            GraceAgainAfterSilence(now);
            _lastHeard = now;
            if (!_nodes.TryGetValue(nodeId, out var entry))
            {
                _unreported.TryAdd(nodeId, now);
                return false;
            }
            if (entry.Lost) return false;
            entry.LastSeen = now;
            entry.ExcusedUntil = default;
            return entry.Candidate.Node.Revision == revision;
        }
    }

    /// <summary>Declares lost every live node silent past its grace and returns them.</summary>
    public IReadOnlyList<NodeLost> Sweep()
    {
        lock (Gate)
        {
            var now = clock.GetUtcNow();
            var lost = new List<NodeLost>();
            foreach (var entry in _nodes.Values)
            {
                // Lost only if someone was heard from after this node's grace ran out: otherwise this planner is the one cut off.
                if (entry.Lost || now - entry.LastSeen <= Grace(entry.Candidate.Node) || _lastHeard <= entry.LastSeen + Grace(entry.Candidate.Node)
                    || now <= entry.ExcusedUntil)
                    continue;
                entry.Lost = true;
                _live.Remove(entry.Candidate);
                lost.Add(new NodeLost
                {
                    NodeId = entry.Candidate.NodeId,
                    LastSeen = entry.LastSeen,
                    Reason = $"no heartbeat for {(now - entry.LastSeen).TotalSeconds:F0} s (grace {Grace(entry.Candidate.Node).TotalSeconds:F0} s)"
                });
            }
            return lost;
        }
    }

    /// <summary>
    /// After a silence longer than a node's grace (the planner heard from nobody: its link to the bus was down), that
    /// node's silence proves nothing: it has its grace again from now, and at least the time nodes take to reconnect.
    /// </summary>
    private void GraceAgainAfterSilence(DateTimeOffset now)
    {
        // Every heartbeat comes here: with thousands of nodes, look at them only after a silence that can excuse one.
        if (now - _lastHeard <= _shortestGrace) return;
        foreach (var entry in _nodes.Values)
        {
            var grace = Grace(entry.Candidate.Node);
            if (!entry.Lost && now - _lastHeard > grace)
                entry.ExcusedUntil = now + (grace > options.ReconnectGrace ? grace : options.ReconnectGrace);
        }
    }

    /// <summary>A few missed heartbeats at the node's own interval, or the configured grace when it did not say.</summary>
    private TimeSpan Grace(NodeSnapshot node) =>
        node.HeartbeatInterval > TimeSpan.Zero ? node.HeartbeatInterval * options.MissedHeartbeats : options.NodeGrace;

    public IReadOnlyList<NodeSnapshot> LiveNodes()
    {
        lock (Gate) return _live.Nodes.Select(c => c.Node).ToList();
    }

    /// <summary>Every node heard from, live or lost, with what is left of it.</summary>
    public IReadOnlyList<NodeView> View()
    {
        lock (Gate)
            return _nodes.Values.OrderBy(e => e.Candidate.NodeId, StringComparer.Ordinal).Select(e => new NodeView
            {
                Node = e.Candidate.Node,
                Free = new ActorResources { CpuMillis = e.Candidate.FreeCpuMillis, MemoryMb = e.Candidate.FreeMemoryMb },
                LastSeen = e.LastSeen,
                Live = !e.Lost,
            }).ToList();
    }

    /// <summary>The live nodes, for placement; read and change them only while holding <see cref="Gate"/>.</summary>
    internal NodeIndex Live => _live;

    internal NodeCandidate? Find(string nodeId) => _nodes.TryGetValue(nodeId, out var entry) ? entry.Candidate : null;
}

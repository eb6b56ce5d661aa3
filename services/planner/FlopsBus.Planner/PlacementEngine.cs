using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>What to place: aggregator(s) and N learners with their images and resources.</summary>
public sealed record PlacementRequest(
    string AggregatorImage,
    string LearnerImage,
    int Learners,
    ActorResources AggregatorResources,
    ActorResources LearnerResources,
    string Mode = ProjectModes.Classic);

/// <summary>One actor's place. <see cref="Cluster"/> groups a cluster aggregator with its learners (hierarchical mode).</summary>
public sealed record ActorAssignment(string Role, int Instance, string NodeId, string Image, ActorResources Resources, int? Port, string? Cluster = null);

public sealed record PlacementResult(IReadOnlyList<ActorAssignment> Assignments, string? FailureCode, string? Failure)
{
    public bool Succeeded => FailureCode is null;
    public static PlacementResult Fail(string code, string reason) => new([], code, reason);
}

/// <summary>
/// The placement decision, pure: no bus, no clock, no I/O, and it changes nothing it is given. Hard rules
/// first (the learner add-on, capacity, a port for each aggregator, a cluster's learners in that cluster), then
/// preferences as a score: spread a project's learners over distinct nodes, prefer nodes that already hold the
/// image's layers, then the node with most free capacity. One pass over the nodes per role: a bounded heap
/// picks the best learner nodes.
/// </summary>
public static class PlacementEngine
{
    public static PlacementResult Place(PlacementRequest request, IReadOnlyList<NodeCandidate> nodes)
    {
        if (nodes.Count == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound, "No live worker node is known to the planner.");
        var learnerNodes = nodes.Count(n => n.IsLearnerNode);
        if (learnerNodes == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound,
                $"Learners need a node with the '{NodeAddOns.FlopsLearner}' add-on; none of the {nodes.Count} live nodes has it.");

        var draft = new Draft();
        return request.Mode == ProjectModes.Hierarchical
            ? PlaceHierarchical(request, nodes, draft)
            : PlaceAggregator(ActorRoles.Aggregator, 0, null, request, nodes, draft)
              ?? PlaceLearners(request, request.Learners, 0, null, nodes, learnerNodes, draft, excludeNodeId: null)
              ?? new PlacementResult(draft.Assignments, null, null);
    }

    /// <summary>One learner again, away from the node it failed on (re-placement).</summary>
    public static PlacementResult PlaceLearner(PlacementRequest request, IReadOnlyList<NodeCandidate> nodes, string excludeNodeId, string? cluster)
    {
        var draft = new Draft();
        var qualified = nodes.Count(n => n.IsLearnerNode && (cluster is null || n.Node.Cluster == cluster));
        return PlaceLearners(request, 1, 0, cluster, nodes, qualified, draft, excludeNodeId) ?? new PlacementResult(draft.Assignments, null, null);
    }

    /// <summary>
    /// One root aggregator anywhere; in every cluster that has learner nodes and gets learners, one cluster
    /// aggregator and those learners, all inside the cluster. Learners are shared out by learner nodes per cluster.
    /// </summary>
    private static PlacementResult PlaceHierarchical(PlacementRequest request, IReadOnlyList<NodeCandidate> nodes, Draft draft)
    {
        if (PlaceAggregator(ActorRoles.RootAggregator, 0, null, request, nodes, draft) is { } rootFailed)
            return rootFailed;

        var clusters = nodes.Where(n => n.IsLearnerNode).GroupBy(n => n.Node.Cluster)
            .Select(g => (Cluster: g.Key, LearnerNodes: g.Count()))
            .OrderByDescending(c => c.LearnerNodes).ThenBy(c => c.Cluster, StringComparer.Ordinal)
            .ToList();
        var shares = Share(request.Learners, clusters.Select(c => c.LearnerNodes).ToList());
        var learnerInstance = 0;
        for (var i = 0; i < clusters.Count && shares[i] > 0; i++)
        {
            var (cluster, learnerNodes) = clusters[i];
            var inCluster = nodes.Where(n => n.Node.Cluster == cluster).ToList();
            if (PlaceAggregator(ActorRoles.ClusterAggregator, i, cluster, request, inCluster, draft) is { } failed)
                return failed;
            if (PlaceLearners(request, shares[i], learnerInstance, cluster, inCluster, learnerNodes, draft, excludeNodeId: null) is { } learnersFailed)
                return learnersFailed;
            learnerInstance += shares[i];
        }
        return new PlacementResult(draft.Assignments, null, null);
    }

    /// <summary>Splits <paramref name="learners"/> in proportion to each cluster's learner nodes (largest remainders).</summary>
    private static int[] Share(int learners, IReadOnlyList<int> weights)
    {
        var total = weights.Sum();
        var shares = weights.Select(w => learners * w / total).ToArray();
        var byRemainder = Enumerable.Range(0, weights.Count).OrderByDescending(i => learners * weights[i] % total).ThenBy(i => i);
        foreach (var i in byRemainder.Take(learners - shares.Sum())) shares[i]++;
        return shares;
    }

    /// <summary>A customer's tracking server: like an aggregator, any live worker with room and a free port.</summary>
    public static PlacementResult PlaceTrackingServer(string image, ActorResources resources, IReadOnlyList<NodeCandidate> nodes)
    {
        if (nodes.Count == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound, "No live worker node is known to the planner.");
        var draft = new Draft();
        return PlaceListener(ActorRoles.TrackingServer, 0, null, image, resources, nodes, draft) ?? new PlacementResult(draft.Assignments, null, null);
    }

    private static PlacementResult? PlaceAggregator(string role, int instance, string? cluster, PlacementRequest request,
        IReadOnlyList<NodeCandidate> nodes, Draft draft) =>
        PlaceListener(role, instance, cluster, request.AggregatorImage, request.AggregatorResources, nodes, draft);

    /// <summary>An actor others connect to: the node that fits it best and a free port there.</summary>
    private static PlacementResult? PlaceListener(string role, int instance, string? cluster, string image, ActorResources resources,
        IReadOnlyList<NodeCandidate> nodes, Draft draft)
    {
        NodeCandidate? best = null;
        int? bestPort = null;
        foreach (var n in nodes)
        {
            if (!draft.Fits(n, resources)) continue;
            if (best is not null && !BetterListenerNode(n, best, image, draft)) continue;
            if (draft.FreePort(n) is not { } port) continue;
            best = n;
            bestPort = port;
        }
        if (best is null)
            return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
                $"The {role} needs {Describe(resources)} and a free port; none of the {nodes.Count} live nodes" +
                $"{(cluster is null ? "" : $" of cluster '{cluster}'")} has them left.");
        draft.Take(best, new ActorAssignment(role, instance, best.NodeId, image, resources, bestPort, cluster));
        return null;
    }

    private static PlacementResult? PlaceLearners(PlacementRequest request, int count, int firstInstance, string? cluster,
        IReadOnlyList<NodeCandidate> nodes, int learnerNodes, Draft draft, string? excludeNodeId)
    {
        var learner = request.LearnerResources;
        bool Qualifies(NodeCandidate n) => n.IsLearnerNode && n.NodeId != excludeNodeId && draft.Fits(n, learner);

        // Distinct nodes first: the best `count` nodes that each fit one learner. The heap's top is the
        // worst of the best so far; (cached, free cpu) tuples order as the preference does.
        var best = new PriorityQueue<NodeCandidate, (bool Cached, int Free)>(count + 1);
        foreach (var n in nodes)
        {
            if (!Qualifies(n)) continue;
            var score = (n.Caches(request.LearnerImage), draft.FreeCpu(n));
            if (best.Count < count) best.Enqueue(n, score);
            else if (best.TryPeek(out _, out var worst) && score.CompareTo(worst) > 0) best.EnqueueDequeue(n, score);
        }
        var chosen = new NodeCandidate[best.Count];
        for (var i = chosen.Length - 1; i >= 0; i--) chosen[i] = best.Dequeue();

        var placed = 0;
        foreach (var node in chosen)
            draft.Take(node, new ActorAssignment(ActorRoles.Learner, firstInstance + placed++, node.NodeId, request.LearnerImage, learner, null, cluster));

        // Then stack what is left where most capacity remains.
        while (placed < count)
        {
            NodeCandidate? target = null;
            foreach (var n in nodes)
                if (Qualifies(n) && (target is null || draft.FreeCpu(n) > draft.FreeCpu(target)))
                    target = n;
            if (target is null)
                return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
                    $"{count} learners need {Describe(learner)} each; the {learnerNodes} nodes with the '{NodeAddOns.FlopsLearner}' add-on" +
                    $"{(cluster is null ? "" : $" in cluster '{cluster}'")} have room for {placed}.");
            draft.Take(target, new ActorAssignment(ActorRoles.Learner, firstInstance + placed++, target.NodeId, request.LearnerImage, learner, null, cluster));
        }
        return null;
    }

    private static bool BetterListenerNode(NodeCandidate n, NodeCandidate current, string image, Draft draft)
    {
        var (nc, cc) = (n.Caches(image), current.Caches(image));
        if (nc != cc) return nc;
        // Keep learner capacity for learners when a plain worker will do.
        if (n.IsLearnerNode != current.IsLearnerNode) return !n.IsLearnerNode;
        return draft.FreeCpu(n) > draft.FreeCpu(current);
    }

    private static string Describe(ActorResources r) => $"{r.CpuMillis} cpu millis and {r.MemoryMb} MB";

    /// <summary>What one decision has taken so far, on top of the nodes' reservations; the nodes stay untouched.</summary>
    private sealed class Draft
    {
        private readonly Dictionary<NodeCandidate, (int Cpu, int Memory)> _taken = new();
        private readonly HashSet<(NodeCandidate, int)> _ports = [];

        public List<ActorAssignment> Assignments { get; } = [];

        public bool Fits(NodeCandidate n, ActorResources r)
        {
            var t = _taken.GetValueOrDefault(n);
            return n.Fits(r, t.Cpu, t.Memory);
        }

        public int FreeCpu(NodeCandidate n) => n.FreeCpuMillis - _taken.GetValueOrDefault(n).Cpu;

        public int? FreePort(NodeCandidate n) => _ports.Count == 0 ? n.FreePort() : n.FreePort(p => _ports.Contains((n, p)));

        public void Take(NodeCandidate n, ActorAssignment assignment)
        {
            var t = _taken.GetValueOrDefault(n);
            _taken[n] = (t.Cpu + assignment.Resources.CpuMillis, t.Memory + assignment.Resources.MemoryMb);
            if (assignment.Port is { } port) _ports.Add((n, port));
            Assignments.Add(assignment);
        }
    }
}

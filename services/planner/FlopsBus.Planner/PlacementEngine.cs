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
/// image's layers, then the node with most free capacity. It reads the nodes through a <see cref="NodeIndex"/>,
/// walking the sets the rules name from the most free cpu down only as far as a better node can still be, so a
/// project costs about its own actors, whatever the cluster's size.
/// </summary>
public static class PlacementEngine
{
    /// <summary>
    /// Where a listener (an aggregator, a tracking server) looks, best first: a node holding the image, then a
    /// plain worker before a learner node (learner capacity is kept for learners), then the most free cpu. A node
    /// holding the image that does not qualify is met again in a later set and does not qualify there either.
    /// </summary>
    private static readonly (bool HoldingImage, bool LearnerNodes)[] ListenerSets = [(true, false), (true, true), (false, false), (false, true)];

    public static PlacementResult Place(PlacementRequest request, NodeIndex nodes)
    {
        if (nodes.CountNodes() == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound, "No live worker node is known to the planner.");
        if (nodes.CountLearnerNodes() == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound,
                $"Learners need a node with the '{NodeAddOns.FlopsLearner}' add-on; none of the {nodes.CountNodes()} live nodes has it.");

        var draft = new Draft();
        return request.Mode == ProjectModes.Hierarchical
            ? PlaceHierarchical(request, nodes, draft)
            : PlaceAggregator(ActorRoles.Aggregator, 0, null, request, nodes, draft)
              ?? PlaceLearners(request, request.Learners, 0, null, nodes, draft, excludeNodeId: null)
              ?? new PlacementResult(draft.Assignments, null, null);
    }

    /// <summary>One learner again, away from the node it failed on (re-placement).</summary>
    public static PlacementResult PlaceLearner(PlacementRequest request, NodeIndex nodes, string excludeNodeId, string? cluster)
    {
        var draft = new Draft();
        return PlaceLearners(request, 1, 0, cluster, nodes, draft, excludeNodeId) ?? new PlacementResult(draft.Assignments, null, null);
    }

    /// <summary>
    /// One root aggregator anywhere; in every cluster that has learner nodes and gets learners, one cluster
    /// aggregator and those learners, all inside the cluster. Learners are shared out by learner nodes per cluster.
    /// </summary>
    private static PlacementResult PlaceHierarchical(PlacementRequest request, NodeIndex nodes, Draft draft)
    {
        if (PlaceAggregator(ActorRoles.RootAggregator, 0, null, request, nodes, draft) is { } rootFailed)
            return rootFailed;

        var clusters = nodes.ClustersWithLearnerNodes()
            .OrderByDescending(c => c.LearnerNodes).ThenBy(c => c.Cluster, StringComparer.Ordinal)
            .ToList();
        var shares = Share(request.Learners, clusters.Select(c => c.LearnerNodes).ToList());
        var learnerInstance = 0;
        for (var i = 0; i < clusters.Count && shares[i] > 0; i++)
        {
            var cluster = clusters[i].Cluster;
            if (PlaceAggregator(ActorRoles.ClusterAggregator, i, cluster, request, nodes, draft) is { } failed)
                return failed;
            if (PlaceLearners(request, shares[i], learnerInstance, cluster, nodes, draft, excludeNodeId: null) is { } learnersFailed)
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
    public static PlacementResult PlaceTrackingServer(string image, ActorResources resources, NodeIndex nodes)
    {
        if (nodes.CountNodes() == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound, "No live worker node is known to the planner.");
        var draft = new Draft();
        return PlaceListener(ActorRoles.TrackingServer, 0, null, image, resources, nodes, draft) ?? new PlacementResult(draft.Assignments, null, null);
    }

    private static PlacementResult? PlaceAggregator(string role, int instance, string? cluster, PlacementRequest request,
        NodeIndex nodes, Draft draft) =>
        PlaceListener(role, instance, cluster, request.AggregatorImage, request.AggregatorResources, nodes, draft);

    /// <summary>An actor others connect to: the node that fits it best (in the cluster, if given) and a free port there.</summary>
    private static PlacementResult? PlaceListener(string role, int instance, string? cluster, string image, ActorResources resources,
        NodeIndex nodes, Draft draft)
    {
        foreach (var (holdingImage, learnerNodes) in ListenerSets)
        {
            var set = nodes.MostFreeFirst(learnerNodes, cluster, holdingImage ? image : null);
            if (Best(set, 1, resources, draft, n => draft.FreePort(n) is not null) is not [var node]) continue;
            draft.Take(node, new ActorAssignment(role, instance, node.NodeId, image, resources, draft.FreePort(node), cluster));
            return null;
        }
        return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
            $"The {role} needs {Describe(resources)} and a free port; none of the {nodes.CountNodes(cluster)} live nodes" +
            $"{(cluster is null ? "" : $" of cluster '{cluster}'")} has them left.");
    }

    private static PlacementResult? PlaceLearners(PlacementRequest request, int count, int firstInstance, string? cluster,
        NodeIndex nodes, Draft draft, string? excludeNodeId)
    {
        var learner = request.LearnerResources;
        bool NotExcluded(NodeCandidate n) => n.NodeId != excludeNodeId;

        // Distinct nodes first: the best `count` nodes that each fit one learner, those holding the image before the
        // others. Once fewer than `count` holding it fit, every one that does is chosen, so the rest come from the
        // nodes without it.
        var chosen = Best(nodes.MostFreeFirst(learnerNodes: true, cluster, request.LearnerImage), count, learner, draft, NotExcluded);
        if (chosen.Count < count)
            chosen.AddRange(Best(nodes.MostFreeFirst(learnerNodes: true, cluster), count - chosen.Count, learner, draft,
                n => NotExcluded(n) && !n.Caches(request.LearnerImage)));

        var placed = 0;
        foreach (var node in chosen)
            draft.Take(node, new ActorAssignment(ActorRoles.Learner, firstInstance + placed++, node.NodeId, request.LearnerImage, learner, null, cluster));

        // Then stack what is left where most capacity remains.
        while (placed < count)
        {
            if (Best(nodes.MostFreeFirst(learnerNodes: true, cluster), 1, learner, draft, NotExcluded) is not [var target])
                return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
                    $"{count} learners need {Describe(learner)} each; the {nodes.CountLearnerNodes(cluster)} nodes with the '{NodeAddOns.FlopsLearner}' add-on" +
                    $"{(cluster is null ? "" : $" in cluster '{cluster}'")} have room for {placed}.");
            draft.Take(target, new ActorAssignment(ActorRoles.Learner, firstInstance + placed++, target.NodeId, request.LearnerImage, learner, null, cluster));
        }
        return null;
    }

    /// <summary>
    /// The <paramref name="count"/> nodes of <paramref name="set"/> (most free cpu first) with the most cpu left after
    /// this decision's own takings that fit <paramref name="resources"/> and qualify, best first. The walk stops
    /// where cpu no longer fits, or where a node's free cpu cannot beat the worst kept: a node this decision took
    /// from sits where its free cpu before the decision puts it, higher than what it has left, so the walk cannot
    /// stop at the first nodes that fit. Ties go to the node met first.
    /// </summary>
    private static List<NodeCandidate> Best(IEnumerable<NodeCandidate> set, int count, ActorResources resources, Draft draft,
        Func<NodeCandidate, bool> qualifies)
    {
        // The heap's top is the worst of the best so far: least cpu left, then the one met last.
        var best = new PriorityQueue<NodeCandidate, (int Free, int Met)>(count + 1);
        var met = 0;
        foreach (var n in set)
        {
            if (n.FreeCpuMillis < resources.CpuMillis || (best.Count == count && best.TryPeek(out _, out var kept) && n.FreeCpuMillis <= kept.Free))
                break;
            met++;
            if (!draft.Fits(n, resources) || !qualifies(n)) continue;
            var score = (Free: draft.FreeCpu(n), Met: -met);
            if (best.Count < count) best.Enqueue(n, score);
            else if (best.TryPeek(out _, out var worst) && score.Free > worst.Free) best.EnqueueDequeue(n, score);
        }
        var chosen = new List<NodeCandidate>(best.Count);
        while (best.TryDequeue(out var node, out _)) chosen.Add(node);
        chosen.Reverse();
        return chosen;
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

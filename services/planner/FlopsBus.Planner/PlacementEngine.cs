using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>What to place: one aggregator and N learners with their images and resources.</summary>
public sealed record PlacementRequest(
    Guid ProjectId,
    string AggregatorImage,
    string LearnerImage,
    int Learners,
    ActorResources AggregatorResources,
    ActorResources LearnerResources);

public sealed record ActorAssignment(string Role, int Instance, string NodeId, string Image, ActorResources Resources, int? Port);

public sealed record PlacementResult(IReadOnlyList<ActorAssignment> Assignments, string? FailureCode, string? Failure)
{
    public bool Succeeded => FailureCode is null;
    public static PlacementResult Fail(string code, string reason) => new([], code, reason);
}

/// <summary>
/// The placement decision, pure: no bus, no clock, no I/O, and it changes nothing it is given. Hard rules
/// first (the learner add-on, capacity, a port for the aggregator), then preferences as a score: spread a
/// project's learners over distinct nodes, prefer nodes that already hold the image's layers, then the node
/// with most free capacity. One pass over the nodes per role: a bounded heap picks the best learner nodes.
/// </summary>
public static class PlacementEngine
{
    public static PlacementResult Place(PlacementRequest request, IReadOnlyList<NodeCandidate> nodes, string? excludeNodeId = null)
    {
        if (nodes.Count == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound, "No live worker node is known to the planner.");

        var taken = new Dictionary<NodeCandidate, (int Cpu, int Memory)>();
        var learnerNodes = 0;
        NodeCandidate? aggregator = null;
        int? aggregatorPort = null;
        foreach (var n in nodes)
        {
            if (n.IsLearnerNode) learnerNodes++;
            if (n.NodeId == excludeNodeId || !n.Fits(request.AggregatorResources)) continue;
            if (aggregator is not null && !BetterAggregatorNode(n, aggregator, request.AggregatorImage)) continue;
            if (n.FreePort() is not { } port) continue;
            aggregator = n;
            aggregatorPort = port;
        }
        if (learnerNodes == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound,
                $"Learners need a node with the '{NodeAddOns.FlopsLearner}' add-on; none of the {nodes.Count} live nodes has it.");
        if (aggregator is null)
            return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
                $"The aggregator needs {Describe(request.AggregatorResources)} and a free port; none of the {nodes.Count} live nodes has them left.");

        taken[aggregator] = (request.AggregatorResources.CpuMillis, request.AggregatorResources.MemoryMb);
        var assignments = new List<ActorAssignment>(request.Learners + 1)
        {
            new(ActorRoles.Aggregator, 0, aggregator.NodeId, request.AggregatorImage, request.AggregatorResources, aggregatorPort)
        };
        return PlaceLearners(request, nodes, taken, assignments, learnerNodes, excludeNodeId);
    }

    /// <summary>Places learners alone (for re-placement): the first free instance numbers are the caller's.</summary>
    public static PlacementResult PlaceLearners(PlacementRequest request, IReadOnlyList<NodeCandidate> nodes, string? excludeNodeId) =>
        PlaceLearners(request, nodes, new Dictionary<NodeCandidate, (int, int)>(), new List<ActorAssignment>(request.Learners),
            nodes.Count(n => n.IsLearnerNode), excludeNodeId);

    private static PlacementResult PlaceLearners(PlacementRequest request, IReadOnlyList<NodeCandidate> nodes,
        Dictionary<NodeCandidate, (int Cpu, int Memory)> taken, List<ActorAssignment> assignments, int learnerNodes, string? excludeNodeId)
    {
        var learner = request.LearnerResources;

        // Distinct nodes first: the best `Learners` nodes that each fit one learner. The heap's top is the
        // worst of the best so far; (cached, free cpu) tuples order as the preference does.
        var best = new PriorityQueue<NodeCandidate, (bool Cached, int Free)>(request.Learners + 1);
        foreach (var n in nodes)
        {
            if (!n.IsLearnerNode || n.NodeId == excludeNodeId) continue;
            var t = taken.GetValueOrDefault(n);
            if (!n.Fits(learner, t.Cpu, t.Memory)) continue;
            var score = (n.Caches(request.LearnerImage), n.FreeCpuMillis - t.Cpu);
            if (best.Count < request.Learners) best.Enqueue(n, score);
            else if (best.TryPeek(out _, out var worst) && score.CompareTo(worst) > 0) best.EnqueueDequeue(n, score);
        }
        var chosen = new NodeCandidate[best.Count];
        for (var i = chosen.Length - 1; i >= 0; i--) chosen[i] = best.Dequeue();

        var placed = 0;
        foreach (var node in chosen)
            Take(node, learner, taken, assignments, request.LearnerImage, placed++);

        // Then stack what is left where most capacity remains.
        while (placed < request.Learners)
        {
            NodeCandidate? target = null;
            var targetFree = int.MinValue;
            foreach (var n in nodes)
            {
                if (!n.IsLearnerNode || n.NodeId == excludeNodeId) continue;
                var t = taken.GetValueOrDefault(n);
                if (!n.Fits(learner, t.Cpu, t.Memory) || n.FreeCpuMillis - t.Cpu <= targetFree) continue;
                target = n;
                targetFree = n.FreeCpuMillis - t.Cpu;
            }
            if (target is null)
                return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
                    $"{request.Learners} learners need {Describe(learner)} each; the {learnerNodes} nodes with the " +
                    $"'{NodeAddOns.FlopsLearner}' add-on have room for {placed}.");
            Take(target, learner, taken, assignments, request.LearnerImage, placed++);
        }
        return new PlacementResult(assignments, null, null);
    }

    private static void Take(NodeCandidate node, ActorResources learner, Dictionary<NodeCandidate, (int Cpu, int Memory)> taken,
        List<ActorAssignment> assignments, string image, int instance)
    {
        var t = taken.GetValueOrDefault(node);
        taken[node] = (t.Cpu + learner.CpuMillis, t.Memory + learner.MemoryMb);
        assignments.Add(new(ActorRoles.Learner, instance, node.NodeId, image, learner, null));
    }

    private static bool BetterAggregatorNode(NodeCandidate n, NodeCandidate current, string image)
    {
        var (nc, cc) = (n.Caches(image), current.Caches(image));
        if (nc != cc) return nc;
        // Keep learner capacity for learners when a plain worker will do.
        if (n.IsLearnerNode != current.IsLearnerNode) return !n.IsLearnerNode;
        return n.FreeCpuMillis > current.FreeCpuMillis;
    }

    private static string Describe(ActorResources r) => $"{r.CpuMillis} cpu millis and {r.MemoryMb} MB";
}

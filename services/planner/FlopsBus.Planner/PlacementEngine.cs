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

/// <summary>A node as the placement sees it: what is left of it after every reservation.</summary>
public sealed class NodeCandidate(NodeSnapshot node, int freeCpuMillis, int freeMemoryMb, int? freePort)
{
    public NodeSnapshot Node { get; } = node;
    public int FreeCpuMillis { get; private set; } = freeCpuMillis;
    public int FreeMemoryMb { get; private set; } = freeMemoryMb;
    public int? FreePort { get; } = freePort;
    public int LearnersOfThisProject { get; private set; }

    public bool IsLearnerNode => Node.AddOns.Contains(NodeAddOns.FlopsLearner, StringComparer.OrdinalIgnoreCase);
    public bool Fits(ActorResources r) => FreeCpuMillis >= r.CpuMillis && FreeMemoryMb >= r.MemoryMb;
    public bool Caches(string image) => Node.CachedImages.Contains(image);

    public void Take(ActorResources r, bool learner)
    {
        FreeCpuMillis -= r.CpuMillis;
        FreeMemoryMb -= r.MemoryMb;
        if (learner) LearnersOfThisProject++;
    }
}

public sealed record ActorAssignment(string Role, int Instance, string NodeId, string Image, ActorResources Resources, int? Port);

public sealed record PlacementResult(IReadOnlyList<ActorAssignment> Assignments, string? FailureCode, string? Failure)
{
    public bool Succeeded => FailureCode is null;
    public static PlacementResult Fail(string code, string reason) => new([], code, reason);
}

/// <summary>
/// The placement decision, pure: no bus, no clock, no I/O. Hard rules first (add-on, capacity, a port for
/// the aggregator), then preferences: spread a project's learners over distinct nodes, prefer nodes that
/// already hold the image's layers, then the node with most free capacity.
/// </summary>
public static class PlacementEngine
{
    public static PlacementResult Place(PlacementRequest request, IReadOnlyList<NodeCandidate> nodes)
    {
        if (nodes.Count == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound, "No live worker node is known to the planner.");

        var learnerNodes = nodes.Where(n => n.IsLearnerNode).ToList();
        if (learnerNodes.Count == 0)
            return PlacementResult.Fail(PlacementFailureCodes.NoQualifiedWorkerFound,
                $"Learners need a node with the '{NodeAddOns.FlopsLearner}' add-on; none of the {nodes.Count} live nodes has it.");

        var aggregatorNode = nodes
            .Where(n => n.FreePort is not null && n.Fits(request.AggregatorResources))
            .OrderByDescending(n => n.Caches(request.AggregatorImage))
            .ThenBy(n => n.IsLearnerNode) // keep learner capacity for learners when a plain worker will do
            .ThenByDescending(n => n.FreeCpuMillis)
            .FirstOrDefault();
        if (aggregatorNode is null)
            return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
                $"The aggregator needs {Describe(request.AggregatorResources)} and a free port; none of the {nodes.Count} live nodes has them.");
        aggregatorNode.Take(request.AggregatorResources, learner: false);

        var assignments = new List<ActorAssignment>(request.Learners + 1)
        {
            new(ActorRoles.Aggregator, 0, aggregatorNode.Node.NodeId, request.AggregatorImage, request.AggregatorResources, aggregatorNode.FreePort)
        };
        for (var instance = 0; instance < request.Learners; instance++)
        {
            var node = learnerNodes
                .Where(n => n.Fits(request.LearnerResources))
                .OrderBy(n => n.LearnersOfThisProject)
                .ThenByDescending(n => n.Caches(request.LearnerImage))
                .ThenByDescending(n => n.FreeCpuMillis)
                .FirstOrDefault();
            if (node is null)
                return PlacementResult.Fail(PlacementFailureCodes.NoWorkerCapacity,
                    $"Learner {instance} of {request.Learners} needs {Describe(request.LearnerResources)}; none of the {learnerNodes.Count} nodes with the '{NodeAddOns.FlopsLearner}' add-on has that left.");
            node.Take(request.LearnerResources, learner: true);
            assignments.Add(new(ActorRoles.Learner, instance, node.Node.NodeId, request.LearnerImage, request.LearnerResources, null));
        }
        return new PlacementResult(assignments, null, null);
    }

    private static string Describe(ActorResources r) => $"{r.CpuMillis} cpu millis and {r.MemoryMb} MB";
}

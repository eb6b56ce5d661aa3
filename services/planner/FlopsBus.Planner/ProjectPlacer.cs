using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>A placement, or why there is none. <see cref="Repeated"/>: the project already held this placement.</summary>
public sealed record PlacementDecision(IReadOnlyList<PlacedActor> Actors, string? FailureCode, string? Failure,
    bool Repeated = false, ObservatoryPlacement? Observatory = null)
{
    public bool Succeeded => FailureCode is null;
    public static PlacementDecision Fail(string code, string reason) => new([], code, reason);
}

/// <summary>The customer's observatory a project logs to; <see cref="New"/> when this decision placed it.</summary>
public sealed record ObservatoryPlacement(PlacedActor TrackingServer, bool New)
{
    public Guid ObservatoryId => TrackingServer.Actor.ProjectId;
    public string TrackingUrl => $"http://{TrackingServer.Endpoint}";
}

/// <summary>
/// Decides where a project's actors go, and a failed learner's replacement, and reserves them in the ledger in
/// the same step under the registry's gate. A customer's observatory is placed with its first project and reused
/// by the later ones. A repeated submission or replacement gets the placement it already holds.
/// </summary>
public sealed class ProjectPlacer(NodeRegistry nodes, ReservationLedger ledger, PlannerOptions options)
{
    public PlacementDecision Place(ProjectSubmitted project)
    {
        var request = new PlacementRequest(
            project.AggregatorImage!,
            project.LearnerImage!,
            project.Learners,
            project.Resources?.Aggregator ?? options.DefaultAggregatorResources,
            project.Resources?.Learner ?? options.DefaultLearnerResources,
            project.Mode ?? ProjectModes.Classic);
        lock (nodes.Gate)
        {
            var observatory = ledger.Observatory(project.CustomerId!) is { } existing ? new ObservatoryPlacement(existing, New: false) : null;
            if (ledger.Project(project.ProjectId) is { Count: > 0 } placed)
                return new PlacementDecision(placed, null, null, Repeated: true, observatory);

            if (observatory is null && options.TrackingImage.Length > 0)
            {
                var server = PlacementEngine.PlaceTrackingServer(options.TrackingImage, options.TrackingResources, nodes.Live);
                if (!server.Succeeded)
                    return PlacementDecision.Fail(server.FailureCode!, $"Customer '{project.CustomerId}' has no observatory yet: {server.Failure}");
                var assignment = server.Assignments[0];
                observatory = new ObservatoryPlacement(ProjectActors.TrackingServer(project.CustomerId!, assignment, nodes.Find(assignment.NodeId)!), New: true);
                ledger.Reserve(observatory.TrackingServer);
            }

            var result = PlacementEngine.Place(request, nodes.Live);
            if (!result.Succeeded)
            {
                // An observatory placed for a project that cannot be placed would hold capacity for nothing.
                if (observatory is { New: true }) ledger.ReleaseProject(observatory.ObservatoryId);
                return PlacementDecision.Fail(result.FailureCode!, result.Failure!);
            }
            var actors = ProjectActors.From(project, result.Assignments, id => nodes.Find(id)!, observatory?.TrackingUrl);
            foreach (var actor in actors) ledger.Reserve(actor);
            return new PlacementDecision(actors, null, null, Repeated: false, observatory);
        }
    }

    /// <summary>Runs a failed learner again under a new actor id, on another qualified node (in its cluster, if it has one).</summary>
    public PlacementDecision Replace(ReplaceActor replace)
    {
        var failed = replace.Actor;
        if (failed.Role != ActorRoles.Learner)
            return PlacementDecision.Fail(PlacementFailureCodes.NotReplaceable,
                $"Only learners are re-placed; the {failed.Role} {failed.ActorId} carries the endpoint its learners connect to.");
        var replacementId = ActorIdentity.Replacing(failed.ActorId);
        lock (nodes.Gate)
        {
            if (ledger.Find(replacementId) is { } done)
                return new PlacementDecision([done], null, null, Repeated: true);
            var request = new PlacementRequest("", failed.Image, 1, new ActorResources(), failed.Resources);
            var result = PlacementEngine.PlaceLearner(request, nodes.Live, replace.FailedNodeId, failed.Cluster);
            if (!result.Succeeded)
                return PlacementDecision.Fail(result.FailureCode!, $"Re-placing learner {failed.Instance} away from {replace.FailedNodeId}: {result.Failure}");
            ledger.Release(failed.ActorId);
            var replacement = new PlacedActor
            {
                Actor = failed with { ActorId = replacementId }, NodeId = result.Assignments[0].NodeId, Endpoint = failed.AggregatorEndpoint,
            };
            ledger.Reserve(replacement);
            return new PlacementDecision([replacement], null, null);
        }
    }
}

using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>A project's placement as commands to agents, or why there is none.</summary>
public sealed record PlacementDecision(IReadOnlyList<DeployActor> Commands, string? FailureCode, string? Failure, bool Repeated = false)
{
    public bool Succeeded => FailureCode is null;
    public static PlacementDecision Fail(string code, string reason) => new([], code, reason);

    /// <summary>The actor as the saga learns of it: an aggregator's endpoint is where it listens, a learner's where it connects.</summary>
    public static PlacedActor Describe(DeployActor command, string aggregatorEndpoint) => new()
    {
        ActorId = command.ActorId,
        Role = command.Role,
        Instance = command.Instance,
        NodeId = command.NodeId,
        Image = command.Image,
        Endpoint = command.AggregatorEndpoint ?? aggregatorEndpoint,
    };
}

/// <summary>
/// What this planner has placed: each project's DeployActor commands and the capacity and ports they hold.
/// Placement and reservation happen under the node registry's gate, so concurrent submissions never commit
/// the same capacity twice. A repeated submission or replacement gets the decision it already has.
/// </summary>
public sealed class ProjectPlacements(NodeRegistry nodes, PlannerOptions options)
{
    private sealed record Reservation(Guid ProjectId, string NodeId, ActorResources Resources, int? Port);

    private readonly Dictionary<Guid, Reservation> _reservations = new();
    private readonly Dictionary<Guid, List<DeployActor>> _projects = new();

    public PlacementDecision Place(ProjectSubmitted message)
    {
        var request = new PlacementRequest(
            message.ProjectId,
            message.AggregatorImage!,
            message.LearnerImage!,
            message.Learners,
            message.Resources?.Aggregator ?? options.DefaultAggregatorResources,
            message.Resources?.Learner ?? options.DefaultLearnerResources);
        lock (nodes.Gate)
        {
            if (_projects.TryGetValue(message.ProjectId, out var existing))
                return new PlacementDecision(existing.ToList(), null, null, Repeated: true);

            var result = PlacementEngine.Place(request, nodes.Live);
            if (!result.Succeeded)
                return PlacementDecision.Fail(result.FailureCode!, result.Failure!);

            var aggregator = result.Assignments[0];
            var endpoint = $"{nodes.Find(aggregator.NodeId)!.Node.Address}:{aggregator.Port}";
            var commands = result.Assignments.Select(a => ToCommand(message, a, endpoint)).ToList();
            foreach (var (command, assignment) in commands.Zip(result.Assignments))
                Reserve(command, assignment.Port);
            _projects[message.ProjectId] = commands;
            return new PlacementDecision(commands, null, null);
        }
    }

    /// <summary>Moves a failed learner to another qualified node, under a new actor id.</summary>
    public PlacementDecision Replace(ReplaceActor replace)
    {
        lock (nodes.Gate)
        {
            if (!_projects.TryGetValue(replace.ProjectId, out var commands))
                return PlacementDecision.Fail(PlacementFailureCodes.UnknownPlacement,
                    $"This planner holds no placement for project {replace.ProjectId} (it may have restarted since).");
            var replacementId = ActorIdentity.Replacing(replace.ActorId);
            if (commands.FirstOrDefault(c => c.ActorId == replacementId) is { } done)
                return new PlacementDecision([done], null, null, Repeated: true);
            var index = commands.FindIndex(c => c.ActorId == replace.ActorId);
            if (index < 0)
                return PlacementDecision.Fail(PlacementFailureCodes.UnknownPlacement, $"Actor {replace.ActorId} is not part of project {replace.ProjectId}.");
            var old = commands[index];
            if (old.Role != ActorRoles.Learner)
                return PlacementDecision.Fail(PlacementFailureCodes.NotReplaceable,
                    $"Only learners are re-placed; the {old.Role} {old.ActorId} carries the endpoint its learners connect to.");

            var request = new PlacementRequest(replace.ProjectId, "", old.Image, 1, new ActorResources(), old.Resources);
            var result = PlacementEngine.PlaceLearners(request, nodes.Live, excludeNodeId: replace.FailedNodeId);
            if (!result.Succeeded)
                return PlacementDecision.Fail(result.FailureCode!, $"Re-placing learner {old.Instance} away from {replace.FailedNodeId}: {result.Failure}");

            ReleaseActor(old.ActorId);
            var moved = old with { ActorId = replacementId, NodeId = result.Assignments[0].NodeId };
            Reserve(moved, null);
            commands[index] = moved;
            _projects[replace.ProjectId] = commands;
            return new PlacementDecision([moved], null, null);
        }
    }

    /// <summary>Gives back what an actor held; a project with nothing left is forgotten and may be placed anew.</summary>
    public void ReleaseActor(Guid actorId)
    {
        lock (nodes.Gate)
        {
            if (!_reservations.Remove(actorId, out var released)) return;
            nodes.Find(released.NodeId)?.Release(released.Resources, released.Port);
            if (_projects.TryGetValue(released.ProjectId, out var commands) && commands.All(c => !_reservations.ContainsKey(c.ActorId)))
                _projects.Remove(released.ProjectId);
        }
    }

    public void ReleaseProject(Guid projectId)
    {
        lock (nodes.Gate)
        {
            if (!_projects.TryGetValue(projectId, out var commands)) return;
            foreach (var command in commands.ToList())
                ReleaseActor(command.ActorId);
        }
    }

    private void Reserve(DeployActor command, int? port)
    {
        _reservations[command.ActorId] = new Reservation(command.ProjectId, command.NodeId, command.Resources, port);
        nodes.Find(command.NodeId)!.Reserve(command.Resources, port);
    }

    private DeployActor ToCommand(ProjectSubmitted message, ActorAssignment a, string aggregatorEndpoint)
    {
        var aggregator = a.Role == ActorRoles.Aggregator;
        return new DeployActor
        {
            ProjectId = message.ProjectId,
            ActorId = ActorIdentity.For(message.ProjectId, a.Role, a.Instance),
            NodeId = a.NodeId,
            Role = a.Role,
            Instance = a.Instance,
            Image = a.Image,
            Resources = a.Resources,
            ListenPort = aggregator ? a.Port : null,
            AggregatorEndpoint = aggregator ? null : aggregatorEndpoint,
            DataTags = aggregator ? [] : message.DataTags!,
            MinLearners = message.Learners,
            TrackingUrl = aggregator ? options.TrackingUrl : null
        };
    }
}

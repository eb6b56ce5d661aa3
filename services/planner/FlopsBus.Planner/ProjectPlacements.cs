using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>A placement as commands to agents and as the saga learns of it, or why there is none.</summary>
public sealed record PlacementDecision(IReadOnlyList<DeployActor> Commands, IReadOnlyList<PlacedActor> Actors, string? FailureCode, string? Failure,
    bool Repeated = false, ObservatoryPlacement? Observatory = null)
{
    public bool Succeeded => FailureCode is null;
    public static PlacementDecision Fail(string code, string reason) => new([], [], code, reason);
}

/// <summary>The customer's observatory a project logs to; <see cref="New"/> when this decision placed it.</summary>
public sealed record ObservatoryPlacement(Guid ObservatoryId, DeployActor Command, PlacedActor Actor, string TrackingUrl, bool New);

/// <summary>
/// What this planner has placed: each project's DeployActor commands and the capacity and ports they hold, and
/// each customer's observatory, placed with the customer's first project and reused by the later ones.
/// Placement and reservation happen under the node registry's gate, so concurrent submissions never commit
/// the same capacity twice, nor give one customer two observatories. A repeated submission or replacement gets
/// the decision it already has.
/// </summary>
public sealed class ProjectPlacements(NodeRegistry nodes, PlannerOptions options)
{
    private sealed record Reservation(Guid ProjectId, string NodeId, int? Port);
    private sealed record Placed(DeployActor Command, PlacedActor Actor);

    private readonly Dictionary<Guid, Reservation> _reservations = new();
    /// <summary>Projects' and observatories' actors, by project or observatory id.</summary>
    private readonly Dictionary<Guid, List<Placed>> _projects = new();
    private readonly Dictionary<string, Guid> _observatories = new(StringComparer.Ordinal);

    public PlacementDecision Place(ProjectSubmitted message)
    {
        var request = new PlacementRequest(
            message.ProjectId,
            message.AggregatorImage!,
            message.LearnerImage!,
            message.Learners,
            message.Resources?.Aggregator ?? options.DefaultAggregatorResources,
            message.Resources?.Learner ?? options.DefaultLearnerResources,
            message.Mode ?? ProjectModes.Classic);
        lock (nodes.Gate)
        {
            if (_projects.TryGetValue(message.ProjectId, out var existing))
                return Decision(existing, repeated: true, Observatory(message.CustomerId!, isNew: false));

            ObservatoryPlacement? observatory = null;
            if (options.TrackingImage.Length > 0)
            {
                observatory = Observatory(message.CustomerId!, isNew: false) ?? AdoptObservatory(message.CustomerId!);
                if (observatory is null)
                {
                    var server = PlacementEngine.PlaceTrackingServer(options.TrackingImage, options.TrackingResources, nodes.Live);
                    if (!server.Succeeded)
                        return PlacementDecision.Fail(server.FailureCode!, $"Customer '{message.CustomerId}' has no observatory yet: {server.Failure}");
                    observatory = PlaceObservatory(message.CustomerId!, server.Assignments[0]);
                }
            }

            var result = PlacementEngine.Place(request, nodes.Live);
            if (!result.Succeeded)
            {
                // An observatory placed for a project that cannot be placed would hold capacity for nothing.
                if (observatory is { New: true }) ReleaseProject(observatory.ObservatoryId);
                return PlacementDecision.Fail(result.FailureCode!, result.Failure!);
            }

            var placed = ToCommands(message, result.Assignments, observatory?.TrackingUrl);
            foreach (var (p, assignment) in placed.Zip(result.Assignments))
                Reserve(p.Command, assignment.Port);
            _projects[message.ProjectId] = placed;
            return Decision(placed, repeated: false, observatory);
        }
    }

    /// <summary>The customer's observatory as this planner placed it, if it still holds it.</summary>
    private ObservatoryPlacement? Observatory(string customerId, bool isNew)
    {
        if (!_observatories.TryGetValue(customerId, out var id) || !_projects.TryGetValue(id, out var placed)) return null;
        var server = placed[0];
        return new ObservatoryPlacement(id, server.Command, server.Actor, $"http://{server.Actor.Endpoint}", isNew);
    }

    /// <summary>
    /// The customer's tracking server as a live node reports it running, when this planner has no record of it: it
    /// outlives projects, so it outlives a restart of the planner too. Taken back as it is, capacity and port included.
    /// </summary>
    private ObservatoryPlacement? AdoptObservatory(string customerId)
    {
        foreach (var node in nodes.Live)
        foreach (var hosted in node.Node.Actors)
        {
            if (hosted.Role != ActorRoles.TrackingServer || hosted.CustomerId != customerId || hosted.ListenPort is null || _projects.ContainsKey(hosted.ProjectId))
                continue;
            var server = Reported(node, hosted);
            Reserve(server.Command, hosted.ListenPort);
            _projects[hosted.ProjectId] = [server];
            _observatories[customerId] = hosted.ProjectId;
            return Observatory(customerId, isNew: false);
        }
        return null;
    }

    /// <summary>
    /// A new observatory: a fresh id each time, so one that failed and was torn down is followed by a new saga
    /// instance rather than the ended one.
    /// </summary>
    private ObservatoryPlacement PlaceObservatory(string customerId, ActorAssignment a)
    {
        var id = Guid.NewGuid();
        var command = new DeployActor
        {
            ProjectId = id, ActorId = ActorIdentity.For(id, a.Role, a.Instance), NodeId = a.NodeId, Role = a.Role, Instance = a.Instance,
            Image = a.Image, CustomerId = customerId, Resources = a.Resources, ListenPort = a.Port,
        };
        var actor = new PlacedActor
        {
            ActorId = command.ActorId, Role = a.Role, Instance = a.Instance, NodeId = a.NodeId, Image = a.Image,
            Endpoint = $"{nodes.Find(a.NodeId)!.Node.Address}:{a.Port}",
        };
        Reserve(command, a.Port);
        _projects[id] = [new Placed(command, actor)];
        _observatories[customerId] = id;
        return Observatory(customerId, isNew: true)!;
    }

    /// <summary>Moves a failed learner to another qualified node (in its cluster, in hierarchical mode), under a new actor id.</summary>
    public PlacementDecision Replace(ReplaceActor replace)
    {
        lock (nodes.Gate)
        {
            var placed = _projects.GetValueOrDefault(replace.ProjectId) ?? TakeBack(replace.ProjectId);
            if (placed is null)
                return PlacementDecision.Fail(PlacementFailureCodes.UnknownPlacement,
                    $"No node reports actors of project {replace.ProjectId}, and this planner holds no placement for it.");
            var replacementId = ActorIdentity.Replacing(replace.ActorId);
            if (placed.Find(p => p.Command.ActorId == replacementId) is { } done)
                return Decision([done], repeated: true);
            var index = placed.FindIndex(p => p.Command.ActorId == replace.ActorId);
            if (index < 0)
                return PlacementDecision.Fail(PlacementFailureCodes.UnknownPlacement, $"Actor {replace.ActorId} is not part of project {replace.ProjectId}.");
            var old = placed[index];
            if (old.Command.Role != ActorRoles.Learner)
                return PlacementDecision.Fail(PlacementFailureCodes.NotReplaceable,
                    $"Only learners are re-placed; the {old.Command.Role} {old.Command.ActorId} carries the endpoint its learners connect to.");

            var hierarchical = placed.Any(p => p.Command.Role == ActorRoles.RootAggregator);
            var cluster = hierarchical ? nodes.Find(old.Command.NodeId)?.Node.Cluster : null;
            var request = new PlacementRequest(replace.ProjectId, "", old.Command.Image, 1, new ActorResources(), old.Command.Resources);
            var result = PlacementEngine.PlaceLearner(request, nodes.Live, replace.FailedNodeId, cluster);
            if (!result.Succeeded)
                return PlacementDecision.Fail(result.FailureCode!, $"Re-placing learner {old.Command.Instance} away from {replace.FailedNodeId}: {result.Failure}");

            ReleaseActor(old.Command.ActorId);
            var nodeId = result.Assignments[0].NodeId;
            var moved = new Placed(old.Command with { ActorId = replacementId, NodeId = nodeId }, old.Actor with { ActorId = replacementId, NodeId = nodeId });
            Reserve(moved.Command, null);
            placed[index] = moved;
            _projects[replace.ProjectId] = placed;
            return Decision([moved], repeated: false);
        }
    }

    /// <summary>
    /// A project placed before this planner started, as its nodes report it (a lost node as it last did): the
    /// commands again, with what runs on live nodes reserved, so a learner of it can be re-placed.
    /// </summary>
    private List<Placed>? TakeBack(Guid projectId)
    {
        var placed = new List<Placed>();
        foreach (var (node, lost) in nodes.All)
        foreach (var hosted in node.Node.Actors.Where(a => a.ProjectId == projectId))
        {
            placed.Add(Reported(node, hosted));
            if (!lost) Reserve(placed[^1].Command, hosted.ListenPort);
        }
        if (placed.Count == 0) return null;
        _projects[projectId] = placed;
        return placed;
    }

    /// <summary>An actor as its node reports it, as the command that placed it and as the saga knows it.</summary>
    private static Placed Reported(NodeCandidate node, HostedActor hosted) => new(
        new DeployActor
        {
            ProjectId = hosted.ProjectId, ActorId = hosted.ActorId, NodeId = node.NodeId, Role = hosted.Role, Instance = hosted.Instance,
            Image = hosted.Image, CustomerId = hosted.CustomerId, Resources = hosted.Resources, ListenPort = hosted.ListenPort,
            AggregatorEndpoint = hosted.AggregatorEndpoint, DataTags = hosted.DataTags,
        },
        new PlacedActor
        {
            ActorId = hosted.ActorId, Role = hosted.Role, Instance = hosted.Instance, NodeId = node.NodeId, Image = hosted.Image,
            Endpoint = hosted.ListenPort is { } port ? $"{node.Node.Address}:{port}" : hosted.AggregatorEndpoint,
        });

    /// <summary>Gives back what an actor held; a project with nothing left is forgotten and may be placed anew.</summary>
    public void ReleaseActor(Guid actorId)
    {
        lock (nodes.Gate)
        {
            if (!_reservations.Remove(actorId, out var released)) return;
            nodes.Find(released.NodeId)?.Release(actorId, released.Port);
            if (_projects.TryGetValue(released.ProjectId, out var placed) && placed.All(p => !_reservations.ContainsKey(p.Command.ActorId)))
            {
                _projects.Remove(released.ProjectId);
                if (placed[0].Command is { Role: ActorRoles.TrackingServer, CustomerId: { } customer } && _observatories.GetValueOrDefault(customer) == released.ProjectId)
                    _observatories.Remove(customer);
            }
        }
    }

    public void ReleaseProject(Guid projectId)
    {
        lock (nodes.Gate)
        {
            if (!_projects.TryGetValue(projectId, out var placed)) return;
            foreach (var p in placed.ToList())
                ReleaseActor(p.Command.ActorId);
        }
    }

    private static PlacementDecision Decision(IReadOnlyList<Placed> placed, bool repeated, ObservatoryPlacement? observatory = null) =>
        new(placed.Select(p => p.Command).ToList(), placed.Select(p => p.Actor).ToList(), null, null, repeated, observatory);

    private void Reserve(DeployActor command, int? port)
    {
        _reservations[command.ActorId] = new Reservation(command.ProjectId, command.NodeId, port);
        nodes.Find(command.NodeId)!.Reserve(command.ActorId, command.Resources, port);
    }

    /// <summary>
    /// Commands from assignments: each aggregator listens on its port; a learner connects to its aggregator
    /// (its cluster's, in hierarchical mode), a cluster aggregator to the root.
    /// </summary>
    private List<Placed> ToCommands(ProjectSubmitted message, IReadOnlyList<ActorAssignment> assignments, string? trackingUrl)
    {
        string EndpointOf(ActorAssignment a) => $"{nodes.Find(a.NodeId)!.Node.Address}:{a.Port}";
        var top = assignments.Single(a => a.Role is ActorRoles.Aggregator or ActorRoles.RootAggregator);
        var clusterAggregators = assignments.Where(a => a.Role == ActorRoles.ClusterAggregator).ToDictionary(a => a.Cluster!, EndpointOf);

        return assignments.Select(a =>
        {
            var listens = a.Port is not null;
            var connectsTo = a.Role switch
            {
                ActorRoles.ClusterAggregator => EndpointOf(top),
                ActorRoles.Learner when a.Cluster is not null => clusterAggregators[a.Cluster],
                ActorRoles.Learner => EndpointOf(top),
                _ => null
            };
            var command = new DeployActor
            {
                ProjectId = message.ProjectId,
                ActorId = ActorIdentity.For(message.ProjectId, a.Role, a.Instance),
                NodeId = a.NodeId,
                Role = a.Role,
                Instance = a.Instance,
                Image = a.Image,
                CustomerId = message.CustomerId,
                Resources = a.Resources,
                ListenPort = a.Port,
                AggregatorEndpoint = connectsTo,
                DataTags = a.Role == ActorRoles.Learner ? message.DataTags! : [],
                MinLearners = a.Role switch
                {
                    ActorRoles.RootAggregator => clusterAggregators.Count,
                    ActorRoles.ClusterAggregator => assignments.Count(l => l.Role == ActorRoles.Learner && l.Cluster == a.Cluster),
                    _ => message.Learners
                },
                TrackingUrl = a.Role is ActorRoles.Aggregator or ActorRoles.RootAggregator ? trackingUrl : null,
            };
            var actor = new PlacedActor
            {
                ActorId = command.ActorId, Role = a.Role, Instance = a.Instance, NodeId = a.NodeId, Image = a.Image,
                Endpoint = listens ? EndpointOf(a) : connectsTo,
            };
            return new Placed(command, actor);
        }).ToList();
    }
}

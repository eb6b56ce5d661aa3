using System.Globalization;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>
/// The actor protocol of design.md as an agent writes it onto an actor: the environment that configures the
/// actor and the labels that say whose it is. It reads both back too, so an agent that restarts learns from the
/// containers it finds what it had been told to run; the command is on the container, not in the agent's memory.
/// </summary>
public static class ActorProtocol
{
    public const string ProjectId = "FLOPS_PROJECT_ID";
    public const string ActorId = "FLOPS_ACTOR_ID";
    public const string Role = "FLOPS_ROLE";
    public const string NodeId = "FLOPS_NODE_ID";
    public const string ListenPort = "FLOPS_LISTEN_PORT";
    public const string MinLearners = "FLOPS_MIN_LEARNERS";
    public const string TrackingUrl = "FLOPS_TRACKING_URL";
    public const string Aggregator = "FLOPS_AGGREGATOR";
    public const string DataTags = "FLOPS_DATA_TAGS";
    public const string DataDir = "FLOPS_DATA_DIR";

    public static string ContainerName(Guid actorId) => $"flops-{actorId:N}";

    /// <summary>What the runtime needs to start <paramref name="actor"/> on node <paramref name="nodeId"/>.</summary>
    public static ActorLaunch Launch(ActorSpec actor, ImageReference image, string nodeId, string nodeDataDir)
    {
        var env = new Dictionary<string, string>
        {
            [ProjectId] = actor.ProjectId.ToString(),
            [ActorId] = actor.ActorId.ToString(),
            [Role] = actor.Role,
            [NodeId] = nodeId,
        };
        if (actor.ListenPort is { } port)
            env[ListenPort] = port.ToString(CultureInfo.InvariantCulture);
        if (actor.ListenPort is not null && actor.Role != ActorRoles.TrackingServer)
        {
            env[MinLearners] = actor.MinLearners.ToString(CultureInfo.InvariantCulture);
            env[TrackingUrl] = actor.TrackingUrl ?? "";
        }
        if (actor.AggregatorEndpoint is { } aggregator)
            env[Aggregator] = aggregator;
        string? dataDir = null;
        if (actor.Role == ActorRoles.Learner)
        {
            env[DataTags] = string.Join(',', actor.DataTags);
            dataDir = nodeDataDir;
        }
        var labels = new Dictionary<string, string>
        {
            [Labels.Project] = actor.ProjectId.ToString(),
            [Labels.Actor] = actor.ActorId.ToString(),
            [Labels.Role] = actor.Role,
            [Labels.Instance] = actor.Instance.ToString(CultureInfo.InvariantCulture),
            [Labels.Node] = nodeId,
        };
        if (actor.CustomerId.Length > 0)
            labels[Labels.Customer] = actor.CustomerId;
        if (actor.Cluster is { } cluster)
            labels[Labels.Cluster] = cluster;
        return new ActorLaunch(actor, ContainerName(actor.ActorId), image, env, labels, dataDir);
    }

    /// <summary>
    /// The actor a container was started to run, read back from its labels, environment, image and limits;
    /// null when the labels are not an agent's (a container someone else labelled by hand).
    /// </summary>
    public static ActorSpec? ReadBack(
        IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> environment, string image, ActorResources resources)
    {
        if (!labels.TryGetValue(Labels.Project, out var project) || !Guid.TryParse(project, out var projectId)
            || !labels.TryGetValue(Labels.Actor, out var actor) || !Guid.TryParse(actor, out var actorId)
            || !labels.TryGetValue(Labels.Role, out var role))
            return null;
        return new ActorSpec
        {
            ProjectId = projectId,
            ActorId = actorId,
            Role = role,
            CustomerId = labels.GetValueOrDefault(Labels.Customer) ?? "",
            Instance = labels.TryGetValue(Labels.Instance, out var instance) && int.TryParse(instance, CultureInfo.InvariantCulture, out var i) ? i : 0,
            Image = image,
            Resources = resources,
            ListenPort = environment.TryGetValue(ListenPort, out var port) && int.TryParse(port, CultureInfo.InvariantCulture, out var p) ? p : null,
            AggregatorEndpoint = environment.GetValueOrDefault(Aggregator),
            DataTags = environment.TryGetValue(DataTags, out var tags) ? tags.Split(',', StringSplitOptions.RemoveEmptyEntries) : [],
            MinLearners = environment.TryGetValue(MinLearners, out var min) && int.TryParse(min, CultureInfo.InvariantCulture, out var m) ? m : 0,
            TrackingUrl = environment.TryGetValue(TrackingUrl, out var url) && url.Length > 0 ? url : null,
            Cluster = labels.GetValueOrDefault(Labels.Cluster),
        };
    }
}

/// <summary>Labels on everything an agent creates, so the engine can be asked what belongs to whom.</summary>
public static class Labels
{
    public const string Project = "flops.project";
    public const string Actor = "flops.actor";
    public const string Role = "flops.role";
    public const string Instance = "flops.instance";
    public const string Node = "flops.node";
    public const string Customer = "flops.customer";
    public const string Cluster = "flops.cluster";
}

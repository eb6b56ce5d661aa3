namespace FlopsBus.Contracts;

/// <summary>Roles an actor plays, as passed to the actor in FLOPS_ROLE.</summary>
public static class ActorRoles
{
    public const string Aggregator = "aggregator";
    public const string Learner = "learner";
    public const string RootAggregator = "root-aggregator";
    public const string ClusterAggregator = "cluster-aggregator";
    /// <summary>The customer's tracking server, the one actor of its observatory; aggregators log to it.</summary>
    public const string TrackingServer = "tracking-server";
}

/// <summary>What a deployment is: an FL project, or a customer's observatory (its tracking server).</summary>
public static class DeploymentKinds
{
    public const string Project = "project";
    public const string Observatory = "observatory";
}

public static class ProjectModes
{
    public const string Classic = "classic";
    public const string Hierarchical = "hierarchical";
}

public static class NodeAddOns
{
    public const string FlopsLearner = "flops-learner";
}

/// <summary>Status words of an actor instance; they follow Oakestra's.</summary>
public static class ActorStatuses
{
    public const string NodeScheduled = "NODE_SCHEDULED";
    /// <summary>Its node is pulling its image (<see cref="ImagePulling"/>); the status tells the bytes so far.</summary>
    public const string Pulling = "PULLING";
    public const string Creating = "CREATING";
    public const string Running = "RUNNING";
    public const string DataFetched = "DATA_FETCHED";
    public const string Connected = "CONNECTED";
    public const string Failed = "FAILED";
    public const string Undeployed = "UNDEPLOYED";
}

public static class ProjectStatuses
{
    public const string Placing = "PLACING";
    public const string Deploying = "DEPLOYING";
    public const string Ready = "READY";
    public const string Failed = "FAILED";
    public const string TearingDown = "TEARING_DOWN";
    public const string Undeployed = "UNDEPLOYED";
    /// <summary>
    /// A submission the planner refused (<see cref="ProjectRejected"/>): no deployment exists, so the saga never says
    /// it; clients report it so that every outcome has a status.
    /// </summary>
    public const string Rejected = "REJECTED";
}

/// <summary>Where in an actor's life a failure happened (<see cref="ActorFailed.Stage"/>).</summary>
public static class FailureStages
{
    public const string Pull = "pull";
    public const string Create = "create";
    public const string Start = "start";
    public const string Data = "data";
    public const string Connect = "connect";
    public const string Exited = "exited";
    /// <summary>The actor's node stopped heartbeating; what runs there is taken for lost.</summary>
    public const string NodeLost = "node-lost";
}

public static class PlacementFailureCodes
{
    public const string NoQualifiedWorkerFound = "NO_QUALIFIED_WORKER_FOUND";
    public const string NoWorkerCapacity = "NO_WORKER_CAPACITY";
    public const string NotReplaceable = "NOT_REPLACEABLE";
}

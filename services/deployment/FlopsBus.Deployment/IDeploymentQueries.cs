using FlopsBus.Contracts;

namespace FlopsBus.Deployment;

/// <summary>
/// Questions asked across deployments rather than of one: what a lost node ran, which deadlines passed, which of a
/// node's actors are over, the listing and the counts. Both saga stores answer them (PostgreSQL with SQL, the
/// in-memory store from its instances), so the embedded system follows lost nodes and lists deployments too.
/// </summary>
public interface IDeploymentQueries
{
    /// <summary>The actors of deployments under way, ready or being torn down that ran on the node and are neither removed nor lost.</summary>
    Task<IReadOnlyList<(Guid ProjectId, Guid ActorId)>> ActorsOnNode(string nodeId, CancellationToken cancellationToken);

    /// <summary>Deployments whose next deadline is at or before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<Guid>> PassedDeadlines(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Of these actors, those that must not run: their deployment is over, or the saga retired or removed them. Unknown ones are not.</summary>
    Task<IReadOnlyList<Guid>> Retired(IReadOnlyCollection<ActorSpec> actors, CancellationToken cancellationToken);

    /// <summary>Deployments most recently changed first, of one customer when given.</summary>
    Task<IReadOnlyList<ProjectSummary>> List(string? customerId, int limit, CancellationToken cancellationToken);

    /// <summary>The actors of deployments under way or ready, not retired, by status.</summary>
    Task<IReadOnlyDictionary<string, int>> ActorsByStatus(CancellationToken cancellationToken);
}

/// <summary>State names as the queries need them: the saga's states in which a deployment is still alive, and over.</summary>
public static class DeploymentStates
{
    public static readonly string[] UnderWayOrReady = ["Placing", "Deploying", "Ready"];
    public static readonly string[] HoldingActors = ["Placing", "Deploying", "Ready", "TearingDown"];
    public static readonly string[] Over = ["Failed", "TearingDown", "Undeployed"];
}

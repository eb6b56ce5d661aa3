using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// A project's actors from the engine's assignments: each aggregator listens on its port; a learner connects to its
/// aggregator (its cluster's, in hierarchical mode), a cluster aggregator to the root.
/// </summary>
public static class ProjectActors
{
    public static IReadOnlyList<PlacedActor> From(ProjectSubmitted project, IReadOnlyList<ActorAssignment> assignments,
        Func<string, NodeCandidate> node, string? trackingUrl)
    {
        string EndpointOf(ActorAssignment a) => node(a.NodeId).Endpoint(a.Port!.Value);
        var top = assignments.Single(a => a.Role is ActorRoles.Aggregator or ActorRoles.RootAggregator);
        var clusterAggregators = assignments.Where(a => a.Role == ActorRoles.ClusterAggregator).ToDictionary(a => a.Cluster!, EndpointOf);

        return assignments.Select(a =>
        {
            var connectsTo = a.Role switch
            {
                ActorRoles.ClusterAggregator => EndpointOf(top),
                ActorRoles.Learner when a.Cluster is not null => clusterAggregators[a.Cluster],
                ActorRoles.Learner => EndpointOf(top),
                _ => null
            };
            var actor = new ActorSpec
            {
                ProjectId = project.ProjectId,
                CustomerId = project.CustomerId!,
                ActorId = ActorIdentity.For(project.ProjectId, a.Role, a.Instance),
                Role = a.Role,
                Instance = a.Instance,
                Image = a.Image,
                Resources = a.Resources,
                ListenPort = a.Port,
                AggregatorEndpoint = connectsTo,
                DataTags = a.Role == ActorRoles.Learner ? project.DataTags! : [],
                MinLearners = a.Role switch
                {
                    ActorRoles.RootAggregator => clusterAggregators.Count,
                    ActorRoles.ClusterAggregator => assignments.Count(l => l.Role == ActorRoles.Learner && l.Cluster == a.Cluster),
                    ActorRoles.Aggregator => project.Learners,
                    _ => 0
                },
                TrackingUrl = a.Role is ActorRoles.Aggregator or ActorRoles.RootAggregator ? trackingUrl : null,
                Cluster = a.Cluster,
            };
            return new PlacedActor { Actor = actor, NodeId = a.NodeId, Endpoint = a.Port is not null ? EndpointOf(a) : connectsTo };
        }).ToList();
    }

    /// <summary>A customer's tracking server, under a fresh observatory id: one that failed is followed by a new saga instance.</summary>
    public static PlacedActor TrackingServer(string customerId, ActorAssignment a, NodeCandidate node)
    {
        var observatoryId = Guid.NewGuid();
        return new PlacedActor
        {
            Actor = new ActorSpec
            {
                ProjectId = observatoryId, CustomerId = customerId, ActorId = ActorIdentity.For(observatoryId, a.Role, a.Instance),
                Role = a.Role, Instance = a.Instance, Image = a.Image, Resources = a.Resources, ListenPort = a.Port,
            },
            NodeId = a.NodeId,
            Endpoint = node.Endpoint(a.Port!.Value),
        };
    }
}

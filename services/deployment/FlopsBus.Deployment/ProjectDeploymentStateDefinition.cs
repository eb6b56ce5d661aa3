using FlopsBus.Contracts;
using FlopsBus.Deployment.Persistence;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Deployment;

/// <summary>
/// The saga's endpoint. Within a process, one project's events take turns (a partitioner keyed by project id)
/// while different projects run in parallel. Across saga host instances two events of one project may still
/// race: the loser of the version check retries against the newer state, and what it publishes or sends
/// waits in the outbox until its update has committed.
/// </summary>
public sealed class ProjectDeploymentStateDefinition : SagaDefinition<ProjectDeploymentState>
{
    /// <summary>
    /// Each message waits, outside the partitioner, for the batched write that carries its change (after the write delay,
    /// <see cref="DeploymentOptions.WriteDelay"/>), so the endpoint keeps many in flight: at 5,000 events/s and some 60 ms
    /// from delivery to commit, about 300 (MassTransit's default is twice the cores). The partitioner keeps one project's
    /// messages in turn.
    /// </summary>
    public const int MessagesInFlight = 256;

    public ProjectDeploymentStateDefinition()
    {
        EndpointName = EndpointNames.Deployment;
        ConcurrentMessageLimit = MessagesInFlight;
    }

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpoint, ISagaConfigurator<ProjectDeploymentState> saga,
        IRegistrationContext context)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = MessagesInFlight;
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<ProjectDeploymentConcurrencyException>();
            r.Handle<SagaException>(e => e.InnerException is ProjectDeploymentConcurrencyException);
            r.Exponential(20, TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(20));
        });
        endpoint.UseInMemoryOutbox(context);

        var partition = endpoint.CreatePartitioner(Environment.ProcessorCount * 8);
        var claims = context.GetRequiredService<NodeClaims>();
        ByProject<ProjectPlaced>(saga, partition, m => m.ProjectId);
        ByProject<PlacementFailed>(saga, partition, m => m.ProjectId);
        FromNode<ImagePulling>(saga, partition, claims, m => m.ProjectId, m => (m.ActorId, m.NodeId));
        FromNode<ImagePulled>(saga, partition, claims, m => m.ProjectId, m => (m.ActorId, m.NodeId));
        FromNode<ActorStarted>(saga, partition, claims, m => m.ProjectId, m => (m.ActorId, m.NodeId));
        FromNode<DataFetched>(saga, partition, claims, m => m.ProjectId, m => (m.ActorId, m.NodeId));
        FromNode<AggregatorConnected>(saga, partition, claims, m => m.ProjectId, m => (m.ActorId, m.NodeId));
        FromNode<ActorFailed>(saga, partition, claims, m => m.ProjectId, m => (m.ActorId, m.NodeId));
        FromNode<ActorRemoved>(saga, partition, claims, m => m.ProjectId, m => (m.ActorId, m.NodeId));
        ByProject<ActorReplaced>(saga, partition, m => m.ProjectId);
        ByProject<ActorReplacementFailed>(saga, partition, m => m.ProjectId);
        ByProject<CancelProject>(saga, partition, m => m.ProjectId);
        ByProject<ProjectDeadlinePassed>(saga, partition, m => m.ProjectId);
    }

    /// <summary>A node's report on one of its actors: the node must speak for itself, and the actor be placed on it.</summary>
    private static void FromNode<T>(ISagaConfigurator<ProjectDeploymentState> saga, IPartitioner partition, NodeClaims claims,
        Func<T, Guid> projectId, Func<T, (Guid ActorId, string NodeId)> about) where T : class
    {
        saga.Message<T>(m => m.UseFilter(new NodeClaimFilter<T>(claims, message => about(message).NodeId)));
        ByProject(saga, partition, projectId);
        saga.SagaMessage<T>(m => m.UseFilter(new PlacedNodeFilter<T>(claims, about)));
    }

    private static void ByProject<T>(ISagaConfigurator<ProjectDeploymentState> saga, IPartitioner partition, Func<T, Guid> projectId)
        where T : class =>
        saga.Message<T>(m =>
        {
            m.UseFilter(new AwaitProjectWrites<T>());
            m.UsePartitioner(partition, c => projectId(c.Message));
        });
}

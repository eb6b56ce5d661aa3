using FlopsBus.Contracts;
using FlopsBus.Deployment.Persistence;
using MassTransit;

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
    /// Each message waits on a few database round trips, so the endpoint keeps many in flight (MassTransit's
    /// default is twice the cores); the partitioner keeps one project's messages in turn.
    /// </summary>
    public const int MessagesInFlight = 64;

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
        ByProject<ProjectPlaced>(saga, partition, m => m.ProjectId);
        ByProject<PlacementFailed>(saga, partition, m => m.ProjectId);
        ByProject<ImagePulled>(saga, partition, m => m.ProjectId);
        ByProject<ActorStarted>(saga, partition, m => m.ProjectId);
        ByProject<DataFetched>(saga, partition, m => m.ProjectId);
        ByProject<AggregatorConnected>(saga, partition, m => m.ProjectId);
        ByProject<ActorFailed>(saga, partition, m => m.ProjectId);
        ByProject<ActorRemoved>(saga, partition, m => m.ProjectId);
        ByProject<ActorReplaced>(saga, partition, m => m.ProjectId);
        ByProject<ActorReplacementFailed>(saga, partition, m => m.ProjectId);
        ByProject<CancelProject>(saga, partition, m => m.ProjectId);
        ByProject<ProjectDeadlinePassed>(saga, partition, m => m.ProjectId);
    }

    private static void ByProject<T>(ISagaConfigurator<ProjectDeploymentState> saga, IPartitioner partition, Func<T, Guid> projectId)
        where T : class =>
        saga.Message<T>(m => m.UsePartitioner(partition, c => projectId(c.Message)));
}

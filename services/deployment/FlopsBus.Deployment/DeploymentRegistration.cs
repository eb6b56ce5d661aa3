using FlopsBus.Contracts;
using FlopsBus.Deployment.Persistence;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlopsBus.Deployment;

public static class DeploymentRegistration
{
    /// <summary>
    /// The deployment saga on its endpoint, persisted in PostgreSQL; with no connection string, in memory (the
    /// embedded run and unit tests). Everything else is the same with either store: the lost-node follow-up, the
    /// listing, the agents' question about retired actors, the deadline watcher and the actor gauge all ask
    /// <see cref="IDeploymentQueries"/>, which both stores answer.
    /// </summary>
    public static void AddDeploymentSaga(this IBusRegistrationConfigurator bus, string? connectionString = null, DeploymentOptions? options = null)
    {
        options ??= new DeploymentOptions();
        bus.AddSingleton(options);
        bus.TryAddSingleton(TimeProvider.System);
        bus.AddNodeClaims();
        var saga = bus.AddSagaStateMachine<ProjectDeploymentStateMachine, ProjectDeploymentState, ProjectDeploymentStateDefinition>();
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            saga.InMemoryRepository();
            bus.TryAddSingleton<IDeploymentQueries, InMemoryDeploymentQueries>();
        }
        else
        {
            saga.PostgresRepository(connectionString);
        }
        bus.AddConsumer<NodeLostConsumer>().Endpoint(e => e.Name = EndpointNames.DeploymentNodeLosses);
        bus.AddConsumer<GetProjectsConsumer>().Endpoint(e => e.Name = EndpointNames.Deployment);
        bus.AddConsumer<GetRetiredActorsConsumer>().Endpoint(e => e.Name = EndpointNames.Deployment);
        // Every endpoint of the saga host reads or writes the store: each waits out a database outage.
        bus.AddConfigureEndpointsCallback((_, name, endpoint) =>
        {
            if (!name.StartsWith(EndpointNames.Deployment, StringComparison.Ordinal)) return;
            endpoint.RetryWhileTheDatabaseIsDown(options);
            if (options.SingleActiveHost && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                rabbit.SingleActiveConsumer = true;
        });
        bus.AddHostedService<DeadlineWatcher>();
        bus.TryAddSingleton<ActorStatusGauge>();
        bus.AddHostedService(sp => sp.GetRequiredService<ActorStatusGauge>());
    }
}

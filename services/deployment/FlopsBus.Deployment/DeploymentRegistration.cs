using FlopsBus.Contracts;
using FlopsBus.Deployment.Persistence;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Deployment;

public static class DeploymentRegistration
{
    /// <summary>
    /// The deployment saga on its endpoint, persisted in PostgreSQL; with no connection string, in memory
    /// (the embedded run and unit tests only, where lost nodes are not followed up and projects are not listed).
    /// </summary>
    public static void AddDeploymentSaga(this IBusRegistrationConfigurator bus, string? connectionString = null, DeploymentOptions? options = null)
    {
        bus.AddSingleton(options ?? new DeploymentOptions());
        var saga = bus.AddSagaStateMachine<ProjectDeploymentStateMachine, ProjectDeploymentState, ProjectDeploymentStateDefinition>();
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            saga.InMemoryRepository();
            return;
        }
        saga.PostgresRepository(connectionString);
        // Finding the deployments a lost node touches, or listing them, takes a query, which only the PostgreSQL store answers.
        bus.AddConsumer<NodeLostConsumer>().Endpoint(e => e.Name = EndpointNames.DeploymentNodeLosses);
        bus.AddConsumer<GetProjectsConsumer>().Endpoint(e => e.Name = EndpointNames.Deployment);
    }
}

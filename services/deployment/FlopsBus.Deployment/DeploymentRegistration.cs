using FlopsBus.Deployment.Persistence;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Deployment;

public static class DeploymentRegistration
{
    /// <summary>
    /// The deployment saga on its endpoint, persisted in PostgreSQL; with no connection string, in memory
    /// (the embedded run and unit tests only).
    /// </summary>
    public static void AddDeploymentSaga(this IBusRegistrationConfigurator bus, string? connectionString = null, DeploymentOptions? options = null)
    {
        bus.AddSingleton(options ?? new DeploymentOptions());
        var saga = bus.AddSagaStateMachine<ProjectDeploymentStateMachine, ProjectDeploymentState, ProjectDeploymentStateDefinition>();
        if (string.IsNullOrWhiteSpace(connectionString))
            saga.InMemoryRepository();
        else
            saga.PostgresRepository(connectionString);
    }
}

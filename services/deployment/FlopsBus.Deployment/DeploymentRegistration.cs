using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Deployment;

public static class DeploymentRegistration
{
    /// <summary>The deployment saga on its endpoint, with an in-memory store (embedded runs and tests).</summary>
    public static void AddDeploymentSaga(this IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<ProjectDeploymentStateMachine, ProjectDeploymentState>()
            .Endpoint(e => e.Name = EndpointNames.Deployment)
            .InMemoryRepository();
    }
}

using FlopsBus.Contracts;
using FlopsBus.Deployment;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Tests;

/// <summary>
/// One project's deployment saga on MassTransit's in-memory test harness and the in-memory saga store, registered as
/// the embedded system registers it: an aggregator on node-1 and two learners on node-2 and node-3.
/// </summary>
public abstract class SagaScenario : IAsyncLifetime
{
    private readonly ServiceProvider _provider = new ServiceCollection()
        .AddMassTransitTestHarness(x =>
        {
            x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(3));
            x.AddDeploymentSaga();
        })
        .BuildServiceProvider(true);

    protected readonly Guid _projectId = Guid.NewGuid();
    protected readonly PlacedActor _aggregator;
    protected readonly PlacedActor[] _learners;

    protected SagaScenario()
    {
        _aggregator = Actor(ActorRoles.Aggregator, 0, "node-1");
        _learners = [Actor(ActorRoles.Learner, 0, "node-2"), Actor(ActorRoles.Learner, 1, "node-3")];
    }

    protected ITestHarness Harness => _provider.GetRequiredService<ITestHarness>();
    protected ISagaStateMachineTestHarness<ProjectDeploymentStateMachine, ProjectDeploymentState> Saga =>
        Harness.GetSagaStateMachineHarness<ProjectDeploymentStateMachine, ProjectDeploymentState>();

    public Task InitializeAsync() => Harness.Start();
    public async Task DisposeAsync() => await _provider.DisposeAsync();

    protected PlacedActor Actor(string role, int instance, string node) => new()
    {
        Actor = new ActorSpec
        {
            ProjectId = _projectId, CustomerId = "acme", ActorId = Guid.NewGuid(), Role = role, Instance = instance, Image = "127.0.0.1:5000/x:1",
            DataTags = role == ActorRoles.Learner ? ["mnist"] : [], AggregatorEndpoint = role == ActorRoles.Learner ? "127.0.0.1:41000" : null,
        },
        NodeId = node, Endpoint = "127.0.0.1:41000"
    };

    protected ProjectPlaced Placed => new() { ProjectId = _projectId, CustomerId = "acme", Actors = [_aggregator, .. _learners] };

    /// <summary>
    /// Publishes the placement and waits until the saga holds the project. Needed before a message the saga drops for a
    /// project it does not know (pull progress, a deadline, a cancel): the in-memory transport may deliver it first.
    /// </summary>
    protected async Task Place()
    {
        await Harness.Bus.Publish(Placed);
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Deploying));
    }

    /// <summary>What the actor's node reports as it comes up: started, and for a learner its data fetched and its aggregator reached.</summary>
    protected object[] EventsOf(PlacedActor a)
    {
        var started = new ActorStarted { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, ContainerId = "c-" + a.Actor.Instance, Role = a.Actor.Role, StartedAt = DateTimeOffset.UtcNow };
        if (a.Actor.Role != ActorRoles.Learner) return [started];
        return
        [
            started,
            new DataFetched { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, Samples = 600 },
            new AggregatorConnected { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, Aggregator = a.Endpoint },
        ];
    }

    protected async Task PublishAll(IEnumerable<object> messages)
    {
        foreach (var m in messages) await Harness.Bus.Publish(m);
    }
}

using FlopsBus.Contracts;
using FlopsBus.Deployment;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Tests;

/// <summary>One harness scenario per test: the saga on MassTransit's in-memory test harness.</summary>
public sealed class DeploymentSagaTests : IAsyncLifetime
{
    private readonly ServiceProvider _provider = new ServiceCollection()
        .AddMassTransitTestHarness(x =>
        {
            x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(3));
            x.AddSagaStateMachine<ProjectDeploymentStateMachine, ProjectDeploymentState>().InMemoryRepository();
        })
        .BuildServiceProvider(true);

    private readonly Guid _projectId = Guid.NewGuid();
    private readonly PlacedActor _aggregator;
    private readonly PlacedActor[] _learners;

    public DeploymentSagaTests()
    {
        _aggregator = Actor(ActorRoles.Aggregator, 0, "node-1");
        _learners = [Actor(ActorRoles.Learner, 0, "node-2"), Actor(ActorRoles.Learner, 1, "node-3")];
    }

    private ITestHarness Harness => _provider.GetRequiredService<ITestHarness>();
    private ISagaStateMachineTestHarness<ProjectDeploymentStateMachine, ProjectDeploymentState> Saga =>
        Harness.GetSagaStateMachineHarness<ProjectDeploymentStateMachine, ProjectDeploymentState>();

    public Task InitializeAsync() => Harness.Start();
    public async Task DisposeAsync() => await _provider.DisposeAsync();

    private static PlacedActor Actor(string role, int instance, string node) => new()
    {
        ActorId = Guid.NewGuid(), Role = role, Instance = instance, NodeId = node, Image = "127.0.0.1:5000/x:1", Endpoint = "127.0.0.1:41000"
    };

    private ProjectPlaced Placed => new() { ProjectId = _projectId, CustomerId = "c", Actors = [_aggregator, .. _learners] };

    private object[] EventsOf(PlacedActor a)
    {
        var started = new ActorStarted { ProjectId = _projectId, ActorId = a.ActorId, NodeId = a.NodeId, ContainerId = "c-" + a.Instance, Role = a.Role, StartedAt = DateTimeOffset.UtcNow };
        if (a.Role == ActorRoles.Aggregator) return [started];
        return
        [
            started,
            new DataFetched { ProjectId = _projectId, ActorId = a.ActorId, NodeId = a.NodeId, Samples = 600 },
            new AggregatorConnected { ProjectId = _projectId, ActorId = a.ActorId, NodeId = a.NodeId, Aggregator = a.Endpoint },
        ];
    }

    private async Task PublishAll(IEnumerable<object> messages)
    {
        foreach (var m in messages) await Harness.Bus.Publish(m);
    }

    private Task<bool> ReadyPublished() => Harness.Published.Any<ProjectReady>(x => x.Context.Message.ProjectId == _projectId);

    [Fact]
    public async Task Ready_once_the_aggregator_runs_and_every_learner_fetched_its_data_and_connected()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(new[] { _aggregator }.Concat(_learners).SelectMany(EventsOf));

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));
        var ready = Harness.Published.Select<ProjectReady>().Single().Context.Message;
        Assert.Equal(3, ready.Actors.Count);
        Assert.All(ready.Actors.Where(a => a.Role == ActorRoles.Learner), a => Assert.NotNull(a.Connected));
    }

    [Fact]
    public async Task Not_ready_while_one_learner_has_not_connected()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(new[] { _aggregator, _learners[0] }.SelectMany(EventsOf).Concat(EventsOf(_learners[1]).Take(2)));

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Deploying));
        Assert.False(await ReadyPublished());
    }

    [Fact]
    public async Task Events_before_the_placement_and_in_any_order_give_the_same_outcome()
    {
        var events = new[] { _aggregator }.Concat(_learners).SelectMany(EventsOf).Reverse().ToList();
        await PublishAll(events);
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Placing));

        await Harness.Bus.Publish(Placed);

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));
    }

    [Fact]
    public async Task Duplicate_events_declare_the_project_ready_once()
    {
        await Harness.Bus.Publish(Placed);
        var events = new[] { _aggregator }.Concat(_learners).SelectMany(EventsOf).ToList();
        await PublishAll(events);
        await PublishAll(events);
        await Harness.Bus.Publish(Placed);

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));
        await Harness.InactivityTask;
        Assert.Single(Harness.Published.Select<ProjectReady>());
    }

    [Fact]
    public async Task An_actor_failure_fails_the_project_and_removes_every_actor()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(EventsOf(_aggregator));
        await Harness.Bus.Publish(new ActorFailed
        {
            ProjectId = _projectId, ActorId = _learners[1].ActorId, NodeId = _learners[1].NodeId, Stage = FailureStages.Data, Reason = "no data for tag mnist"
        });

        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
        var failed = Harness.Published.Select<ProjectFailed>().Single().Context.Message;
        Assert.Equal(_learners[1].ActorId, failed.FailedActorId);
        Assert.Contains("no data for tag mnist", failed.Reason);
        Assert.True(await Harness.Sent.Any<RemoveActor>());
        var removals = Harness.Sent.Select<RemoveActor>().Select(s => (s.Context.Message.ActorId, s.Context.DestinationAddress!.AbsolutePath)).ToList();
        Assert.Equal(3, removals.Count);
        Assert.Contains((_learners[0].ActorId, "/" + EndpointNames.Agent("node-2")), removals);

        await PublishAll(Placed.Actors.Select(a => new ActorRemoved { ProjectId = _projectId, ActorId = a.ActorId, NodeId = a.NodeId }));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Undeployed));
    }

    [Fact]
    public async Task A_placement_failure_fails_the_project_with_its_reason()
    {
        await Harness.Bus.Publish(new PlacementFailed { ProjectId = _projectId, ReasonCode = PlacementFailureCodes.NoWorkerCapacity, Reason = "full" });

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Failed));
        Assert.True(await Harness.Published.Any<ProjectFailed>(x => x.Context.Message.Reason == "NO_WORKER_CAPACITY: full"));
    }

    [Fact]
    public async Task Status_lists_every_actor_with_its_status()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(EventsOf(_aggregator).Concat(EventsOf(_learners[0]).Take(2)));
        await Harness.InactivityTask;

        var client = Harness.GetRequestClient<GetProjectStatus>();
        var response = await client.GetResponse<ProjectStatus, ProjectNotFound>(new GetProjectStatus { ProjectId = _projectId });

        Assert.True(response.Is(out Response<ProjectStatus>? status));
        Assert.Equal(ProjectStatuses.Deploying, status.Message.Status);
        Assert.Equal(
            [(ActorRoles.Aggregator, 0, ActorStatuses.Running), (ActorRoles.Learner, 0, ActorStatuses.DataFetched), (ActorRoles.Learner, 1, ActorStatuses.NodeScheduled)],
            status.Message.Actors.Select(a => (a.Role, a.Instance, a.Status)));
    }

    [Fact]
    public async Task Status_of_an_unknown_project_is_not_found()
    {
        var client = Harness.GetRequestClient<GetProjectStatus>();
        var response = await client.GetResponse<ProjectStatus, ProjectNotFound>(new GetProjectStatus { ProjectId = Guid.NewGuid() });

        Assert.True(response.Is(out Response<ProjectNotFound>? _));
    }
}

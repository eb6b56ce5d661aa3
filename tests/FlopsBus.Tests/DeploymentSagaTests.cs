using FlopsBus.Contracts;
using FlopsBus.Deployment;
using MassTransit;
using MassTransit.Testing;

namespace FlopsBus.Tests;

/// <summary>One harness scenario per test: the saga on MassTransit's in-memory test harness.</summary>
public sealed class DeploymentSagaTests : SagaScenario
{
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
    public async Task An_observatory_is_ready_once_its_tracking_server_runs_and_projects_name_it_in_their_status()
    {
        var observatoryId = Guid.NewGuid();
        var server = Actor(ActorRoles.TrackingServer, 0, "node-1");
        await Harness.Bus.Publish(new ProjectPlaced { ProjectId = observatoryId, CustomerId = "c", Actors = [server], TrackingUrl = "http://127.0.0.1:41000" });
        await Harness.Bus.Publish(Placed with { ObservatoryId = observatoryId, TrackingUrl = "http://127.0.0.1:41000" });
        await Harness.Bus.Publish(new ActorStarted
        {
            ProjectId = observatoryId, ActorId = server.Actor.ActorId, NodeId = server.NodeId, ContainerId = "t", Role = server.Actor.Role, StartedAt = DateTimeOffset.UtcNow
        });

        Assert.NotNull(await Saga.Exists(observatoryId, m => m.Ready));
        var client = Harness.GetRequestClient<GetProjectStatus>();
        var project = (await client.GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = _projectId })).Message;
        Assert.Equal((observatoryId, "http://127.0.0.1:41000"), (project.ObservatoryId, project.TrackingUrl));
        Assert.Equal(ProjectStatuses.Deploying, project.Status);
        var observatory = (await client.GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = observatoryId })).Message;
        Assert.Equal(ProjectStatuses.Ready, observatory.Status);
        Assert.Equal(ActorStatuses.Running, Assert.Single(observatory.Actors).Status);
    }

    [Fact]
    public async Task A_pull_under_way_shows_as_pulling_with_its_bytes_until_the_image_is_pulled_and_stays_off_the_timeline()
    {
        await Place();
        ImagePulling Progress(long bytes) => new()
        {
            ProjectId = _projectId, ActorId = _aggregator.Actor.ActorId, NodeId = _aggregator.NodeId, Image = _aggregator.Actor.Image,
            BytesPulled = bytes, BytesTotal = 300_000_000,
        };
        var client = Harness.GetRequestClient<GetProjectStatus>();
        async Task<ActorStatus> Aggregator() => (await client.GetResponse<ProjectStatus>(new GetProjectStatus { ProjectId = _projectId }))
            .Message.Actors.Single(a => a.ActorId == _aggregator.Actor.ActorId);

        // Reports may cross on the way: an older one after a newer one changes nothing.
        await PublishAll([Progress(200_000_000), Progress(100_000_000)]);
        var pulling = await Aggregator();
        await Harness.Bus.Publish(new ImagePulled
        {
            ProjectId = _projectId, ActorId = _aggregator.Actor.ActorId, NodeId = _aggregator.NodeId, Image = _aggregator.Actor.Image, BytesPulled = 300_000_000,
        });
        var pulled = await Aggregator();

        Assert.Equal((ActorStatuses.Pulling, 200_000_000L, 300_000_000L), (pulling.Status, pulling.PullBytes, pulling.PullBytesTotal));
        Assert.Equal((ActorStatuses.Creating, (long?)null), (pulled.Status, pulled.PullBytes));
        Assert.DoesNotContain(Saga.Sagas.Contains(_projectId)!.Timeline, e => e.Event.Contains("pulling"));
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
    public async Task Reports_before_the_placement_from_a_node_the_actor_is_not_placed_on_are_dropped_by_the_placement()
    {
        var elsewhere = _aggregator with { NodeId = "node-9" };
        await PublishAll(new[] { elsewhere }.Concat(_learners).SelectMany(EventsOf));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Placing));

        await Harness.Bus.Publish(Placed);

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Deploying));
        var saga = Saga.Sagas.Contains(_projectId)!;
        Assert.Null(saga.Actors.Single(a => a.ActorId == _aggregator.Actor.ActorId).StartedAt);
        Assert.Contains(saga.Timeline, e => e.Event == "dropped" && e.ActorId == _aggregator.Actor.ActorId);
        Assert.False(await ReadyPublished());
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

    private ActorFailed Failure(PlacedActor a, string stage = FailureStages.Data, string reason = "no data for tag mnist") =>
        new() { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, Stage = stage, Reason = reason };

    private IReadOnlyList<(Guid ActorId, string Queue)> Removals() =>
        Harness.Sent.Select<RemoveActor>().Select(s => (s.Context.Message.ActorId, s.Context.DestinationAddress!.AbsolutePath.TrimStart('/'))).ToList();

    [Fact]
    public async Task A_failed_learner_is_re_placed_once_and_its_replacement_makes_the_project_ready()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(new[] { _aggregator, _learners[0] }.SelectMany(EventsOf));
        await Harness.Bus.Publish(Failure(_learners[1]));

        Assert.True(await Harness.Sent.Any<ReplaceActor>(x => x.Context.Message.Actor.ActorId == _learners[1].Actor.ActorId && x.Context.Message.FailedNodeId == "node-3"));
        Assert.Equal([(_learners[1].Actor.ActorId, EndpointNames.Agent("node-3"))], Removals());
        var replacement = Actor(ActorRoles.Learner, 1, "node-2");
        await Harness.Bus.Publish(new ActorReplaced { ProjectId = _projectId, ReplacedActorId = _learners[1].Actor.ActorId, Replacement = replacement });
        await PublishAll(EventsOf(replacement));

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));
        Assert.DoesNotContain(Harness.Published.Select<ProjectReady>().Single().Context.Message.Actors, a => a.ActorId == _learners[1].Actor.ActorId);
        Assert.False(await Harness.Published.Any<ProjectFailed>());
    }

    [Fact]
    public async Task A_second_failure_tears_the_project_down_and_it_ends_undeployed()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(EventsOf(_aggregator));
        await Harness.Bus.Publish(Failure(_learners[1]));
        Assert.True(await Harness.Sent.Any<ReplaceActor>());
        await Harness.Bus.Publish(Failure(_learners[0], FailureStages.Exited, "exit code 1"));

        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
        var failed = Harness.Published.Select<ProjectFailed>().Single().Context.Message;
        Assert.Equal(_learners[0].Actor.ActorId, failed.FailedActorId);
        Assert.Contains("after 1 replacement(s) already", failed.Reason);
        Assert.Contains((_aggregator.Actor.ActorId, EndpointNames.Agent("node-1")), Removals());

        await PublishAll(Placed.Actors.Select(a => new ActorRemoved { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId }));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Undeployed));
    }

    [Fact]
    public async Task An_aggregator_failure_tears_the_project_down_at_once()
    {
        await Harness.Bus.Publish(Placed);
        await Harness.Bus.Publish(Failure(_aggregator, FailureStages.Pull, "image not found"));

        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
        Assert.Contains("aggregator", Harness.Published.Select<ProjectFailed>().Single().Context.Message.Reason);
        Assert.False(await Harness.Sent.Any<ReplaceActor>());
        Assert.Equal(3, Removals().Count);
    }

    [Fact]
    public async Task A_failure_reported_before_the_placement_is_judged_once_the_placement_arrives()
    {
        await Harness.Bus.Publish(Failure(_aggregator, FailureStages.Start, "port taken"));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Placing));

        await Harness.Bus.Publish(Placed);

        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
    }

    [Fact]
    public async Task A_replacement_that_cannot_be_placed_tears_the_project_down()
    {
        await Harness.Bus.Publish(Placed);
        await Harness.Bus.Publish(Failure(_learners[0]));
        Assert.True(await Harness.Sent.Any<ReplaceActor>());

        await Harness.Bus.Publish(new ActorReplacementFailed
        {
            ProjectId = _projectId, ActorId = _learners[0].Actor.ActorId, ReasonCode = PlacementFailureCodes.NoWorkerCapacity, Reason = "no room"
        });

        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
        Assert.Contains("NO_WORKER_CAPACITY", Harness.Published.Select<ProjectFailed>().Single().Context.Message.Reason);
    }

    [Fact]
    public async Task A_cancelled_project_is_torn_down()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(new[] { _aggregator }.Concat(_learners).SelectMany(EventsOf));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));

        await Harness.Bus.Publish(new CancelProject { ProjectId = _projectId, Reason = "operator request" });

        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
        Assert.Equal("cancelled: operator request", Harness.Published.Select<ProjectFailed>().Single().Context.Message.Reason);
        Assert.Equal(3, Removals().Count);
    }

    [Fact]
    public async Task Hierarchical_ready_needs_every_cluster_aggregator_connected_to_the_root()
    {
        var root = Actor(ActorRoles.RootAggregator, 0, "node-1");
        var cluster = Actor(ActorRoles.ClusterAggregator, 0, "node-2");
        var learner = Actor(ActorRoles.Learner, 0, "node-2");
        await Harness.Bus.Publish(new ProjectPlaced { ProjectId = _projectId, CustomerId = "c", Actors = [root, cluster, learner] });
        await PublishAll(EventsOf(root).Concat(EventsOf(cluster)).Concat(EventsOf(learner)));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Deploying));

        await Harness.Bus.Publish(new AggregatorConnected { ProjectId = _projectId, ActorId = cluster.Actor.ActorId, NodeId = cluster.NodeId });

        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));
    }

    [Fact]
    public async Task A_passed_readiness_deadline_tears_the_project_down_naming_what_was_missing()
    {
        await Harness.Bus.Publish(Placed with { ReadinessTimeout = TimeSpan.FromMilliseconds(1) });
        await PublishAll(new[] { _aggregator, _learners[0] }.SelectMany(EventsOf));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Deploying));

        await Harness.Bus.Publish(new ProjectDeadlinePassed { ProjectId = _projectId });

        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
        var reason = Harness.Published.Select<ProjectFailed>().Single().Context.Message.Reason;
        Assert.StartsWith("not ready within 00:00:00.0010000", reason);
        Assert.Contains("learner 1 NODE_SCHEDULED", reason);
    }

    [Fact]
    public async Task A_deadline_announced_before_it_is_due_changes_nothing()
    {
        await Place();
        await Harness.Bus.Publish(new ProjectDeadlinePassed { ProjectId = _projectId });

        Assert.True(await Saga.Consumed.Any<ProjectDeadlinePassed>());
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Deploying));
        Assert.False(await Harness.Published.Any<ProjectFailed>());
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
        Assert.Equal(["placed", "started", "started", "data-fetched"], status.Message.Timeline.Select(e => e.Event));
    }

    [Fact]
    public async Task Status_of_an_unknown_project_is_not_found()
    {
        var client = Harness.GetRequestClient<GetProjectStatus>();
        var response = await client.GetResponse<ProjectStatus, ProjectNotFound>(new GetProjectStatus { ProjectId = Guid.NewGuid() });

        Assert.True(response.Is(out Response<ProjectNotFound>? _));
    }
}

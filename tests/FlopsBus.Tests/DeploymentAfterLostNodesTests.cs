using FlopsBus.Contracts;
using FlopsBus.Deployment;
using MassTransit;
using MassTransit.Testing;

namespace FlopsBus.Tests;

/// <summary>
/// Lost nodes, replacements and strays, on the in-memory transport and the in-memory saga store, registered as the
/// embedded system registers them: the same consumers as with PostgreSQL.
/// </summary>
public sealed class DeploymentAfterLostNodesTests : SagaScenario
{
    private async Task<PlacedActor> ReplaceAfterNodeLoss(PlacedActor learner, string newNode)
    {
        await Harness.Bus.Publish(new NodeLost { NodeId = learner.NodeId, Reason = "no heartbeat" });
        Assert.True(await Harness.Sent.Any<ReplaceActor>(r => r.Context.Message.Actor.ActorId == learner.Actor.ActorId));
        var replacement = new PlacedActor { Actor = learner.Actor with { ActorId = Guid.NewGuid() }, NodeId = newNode, Endpoint = learner.Endpoint };
        await Harness.Bus.Publish(new ActorReplaced { ProjectId = _projectId, ReplacedActorId = learner.Actor.ActorId, Replacement = replacement });
        return replacement;
    }

    private Task Removed(PlacedActor a) => Harness.Bus.Publish(new ActorRemoved { ProjectId = _projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId });

    [Fact]
    public async Task A_lost_node_s_learner_is_re_placed_from_the_spec_the_saga_keeps()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(new[] { _aggregator }.Concat(_learners).SelectMany(EventsOf));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));

        await Harness.Bus.Publish(new NodeLost { NodeId = "node-3", Reason = "no heartbeat for 15 s" });

        Assert.True(await Harness.Sent.Any<ReplaceActor>(r => r.Context.Message.Actor.ActorId == _learners[1].Actor.ActorId && r.Context.Message.Actor.DataTags.SequenceEqual(["mnist"]) && r.Context.Message.Actor.AggregatorEndpoint == "127.0.0.1:41000" && r.Context.Message.FailedNodeId == "node-3"));
    }

    [Fact]
    public async Task A_project_whose_learner_node_is_lost_for_good_and_then_cancelled_ends_undeployed()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(new[] { _aggregator }.Concat(_learners).SelectMany(EventsOf));
        // Ready first: a node loss only concerns the actors the saga already holds.
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));
        var replacement = await ReplaceAfterNodeLoss(_learners[1], "node-4");
        await PublishAll(EventsOf(replacement));
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Ready));

        await Harness.Bus.Publish(new CancelProject { ProjectId = _projectId, Reason = "done" });
        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));
        foreach (var a in new[] { _aggregator, _learners[0], replacement }) await Removed(a);

        // node-3 never answers: its learner went with it.
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Undeployed));
    }

    [Fact]
    public async Task An_observatory_whose_tracking_server_node_is_lost_ends_undeployed()
    {
        var observatoryId = Guid.NewGuid();
        var server = new PlacedActor
        {
            Actor = new ActorSpec { ProjectId = observatoryId, CustomerId = "acme", ActorId = Guid.NewGuid(), Role = ActorRoles.TrackingServer, Image = "127.0.0.1:5000/t:1", ListenPort = 41005 },
            NodeId = "node-9", Endpoint = "127.0.0.1:41005",
        };
        await Harness.Bus.Publish(new ProjectPlaced { ProjectId = observatoryId, Kind = DeploymentKinds.Observatory, CustomerId = "acme", Actors = [server] });
        await Harness.Bus.Publish(new ActorStarted { ProjectId = observatoryId, ActorId = server.Actor.ActorId, NodeId = "node-9", ContainerId = "t", Role = ActorRoles.TrackingServer });
        Assert.NotNull(await Saga.Exists(observatoryId, m => m.Ready));

        await Harness.Bus.Publish(new NodeLost { NodeId = "node-9", Reason = "no heartbeat" });

        Assert.NotNull(await Saga.Exists(observatoryId, m => m.Undeployed));
    }

    [Fact]
    public async Task A_replacement_placed_as_the_teardown_begins_is_removed_and_the_teardown_waits_for_it()
    {
        await Harness.Bus.Publish(Placed);
        await PublishAll(EventsOf(_aggregator));
        await Harness.Bus.Publish(new ActorFailed { ProjectId = _projectId, ActorId = _learners[1].Actor.ActorId, NodeId = "node-3", Stage = FailureStages.Exited, Reason = "exit 1" });
        Assert.True(await Harness.Sent.Any<ReplaceActor>());
        await Harness.Bus.Publish(new ActorFailed { ProjectId = _projectId, ActorId = _aggregator.Actor.ActorId, NodeId = "node-1", Stage = FailureStages.Exited, Reason = "exit 2" });
        Assert.NotNull(await Saga.Exists(_projectId, m => m.TearingDown));

        var replacement = new PlacedActor { Actor = _learners[1].Actor with { ActorId = Guid.NewGuid() }, NodeId = "node-4" };
        await Harness.Bus.Publish(new ActorReplaced { ProjectId = _projectId, ReplacedActorId = _learners[1].Actor.ActorId, Replacement = replacement });
        Assert.True(await Harness.Sent.Any<RemoveActor>(r => r.Context.Message.ActorId == replacement.Actor.ActorId && r.Context.Message.NodeId == "node-4"));
        foreach (var a in _learners.Prepend(_aggregator)) await Removed(a);
        await Harness.InactivityTask;
        Assert.Equal("TearingDown", Saga.Sagas.Contains(_projectId)!.CurrentState);

        await Removed(replacement);
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Undeployed));
    }

    [Fact]
    public async Task An_actor_that_starts_for_an_undeployed_project_is_removed()
    {
        await Place();
        await Harness.Bus.Publish(new CancelProject { ProjectId = _projectId, Reason = "changed my mind" });
        foreach (var a in _learners.Prepend(_aggregator)) await Removed(a);
        Assert.NotNull(await Saga.Exists(_projectId, m => m.Undeployed));

        await Harness.Bus.Publish(new ActorStarted { ProjectId = _projectId, ActorId = _learners[0].Actor.ActorId, NodeId = "node-2", ContainerId = "late", Role = ActorRoles.Learner });

        Assert.True(await Harness.Sent.Any<RemoveActor>(r => r.Context.Message.ActorId == _learners[0].Actor.ActorId && r.Context.Message.Reason.Contains("over")));
    }

    [Fact]
    public async Task The_in_memory_store_lists_deployments_with_their_kind_and_names_the_actors_an_agent_must_remove()
    {
        await Harness.Bus.Publish(Placed);
        await Harness.Bus.Publish(new ActorFailed { ProjectId = _projectId, ActorId = _learners[1].Actor.ActorId, NodeId = "node-3", Stage = FailureStages.Exited, Reason = "exit 1" });
        Assert.True(await Harness.Sent.Any<ReplaceActor>());

        var listing = await Harness.GetRequestClient<GetProjects>().GetResponse<ProjectList>(new GetProjects { CustomerId = "acme" });
        var retired = await Harness.GetRequestClient<GetRetiredActors>().GetResponse<RetiredActors>(new GetRetiredActors
        {
            NodeId = "node-3", Actors = [_learners[1].Actor, _learners[0].Actor, _learners[0].Actor with { ProjectId = Guid.NewGuid(), ActorId = Guid.NewGuid() }],
        });

        var summary = Assert.Single(listing.Message.Projects);
        Assert.Equal((_projectId, DeploymentKinds.Project, ProjectStatuses.Deploying, 3), (summary.ProjectId, summary.Kind, summary.Status, summary.Actors));
        Assert.Equal([_learners[1].Actor.ActorId], retired.Message.ActorIds);
    }
}

using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// Nodes that vanish and come back, on the real parts: the three-node cluster, its agents killed and started again
/// while the engine keeps their containers, as a node cut off from the bus does.
/// </summary>
public sealed class LostNodeTests : IAsyncLifetime
{
    private readonly ThreeNodeCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    private async Task<ProjectPlaced> ReadyProject()
    {
        var project = _cluster.SampleProject(learners: 1);
        await _cluster.System.Bus.Publish(project);
        await _cluster.WaitForReady(project.ProjectId);
        return _cluster.System.Events.All<ProjectPlaced>().Single(p => p.ProjectId == project.ProjectId);
    }

    [Fact]
    public async Task A_lost_node_that_comes_back_removes_its_retired_learner_leaving_one_container_per_live_actor()
    {
        var placed = await ReadyProject();
        var learner = placed.Actors.Single(a => a.Actor.Role == ActorRoles.Learner);
        var learnerNode = _cluster.IndexOf(learner.NodeId);

        await _cluster.KillAgent(learnerNode);
        var replaced = (await _cluster.WaitFor<ActorReplaced>(r => r.ReplacedActorId == learner.Actor.ActorId))[0];
        await _cluster.WaitFor<AggregatorConnected>(c => c.ActorId == replaced.Replacement.Actor.ActorId);
        _cluster.StartAgentAgain(learnerNode);

        // The learner that was retired still ran on the lost node; the node removes it when it comes back.
        var live = placed.Actors.Where(a => a != learner).Select(a => a.Actor.ActorId).Append(replaced.Replacement.Actor.ActorId);
        await _cluster.WaitForContainersOf(placed.ProjectId, live);
        Assert.NotEqual(learner.NodeId, replaced.Replacement.NodeId);
        Assert.DoesNotContain(_cluster.System.Events.All<ProjectFailed>(), f => f.ProjectId == placed.ProjectId);
    }

    [Fact]
    public async Task A_replacement_that_lands_after_its_project_s_teardown_began_is_removed_and_nothing_of_the_undeployed_project_remains()
    {
        var placed = await ReadyProject();
        var learner = placed.Actors.Single(a => a.Actor.Role == ActorRoles.Learner);
        var otherLearnerNode = _cluster.Agents.Skip(1).Single(a => a.NodeId != learner.NodeId).NodeId;
        var bus = _cluster.System.Bus;

        await bus.Publish(new CancelProject { ProjectId = placed.ProjectId, Reason = "teardown under way" });
        // A planner slow to answer an earlier ReplaceActor: its replacement is sent and announced after the cancel.
        var replacement = new PlacedActor
        {
            Actor = learner.Actor with { ActorId = Guid.NewGuid() }, NodeId = otherLearnerNode, Endpoint = learner.Endpoint,
        };
        var agent = await bus.GetSendEndpoint(EndpointNames.AgentAddress(otherLearnerNode));
        await agent.Send(new DeployActor { NodeId = otherLearnerNode, Actor = replacement.Actor });
        await bus.Publish(new ActorReplaced { ProjectId = placed.ProjectId, ReplacedActorId = learner.Actor.ActorId, Replacement = replacement });

        await _cluster.WaitForStatus(placed.ProjectId, ProjectStatuses.Undeployed);
        await _cluster.WaitForContainersOf(placed.ProjectId, []);
    }

    [Fact]
    public async Task A_project_whose_learner_node_is_lost_for_good_and_then_cancelled_ends_undeployed()
    {
        var placed = await ReadyProject();
        var learner = placed.Actors.Single(a => a.Actor.Role == ActorRoles.Learner);
        await _cluster.KillAgent(_cluster.IndexOf(learner.NodeId));
        await _cluster.WaitFor<ActorReplaced>(r => r.ReplacedActorId == learner.Actor.ActorId);

        await _cluster.System.Bus.Publish(new CancelProject { ProjectId = placed.ProjectId, Reason = "lost node test over" });

        // The lost node never answers for its learner: that one counts as gone.
        await _cluster.WaitForStatus(placed.ProjectId, ProjectStatuses.Undeployed);
    }

    [Fact]
    public async Task An_observatory_whose_tracking_server_node_is_lost_for_good_ends_undeployed_when_cancelled()
    {
        var placed = await ReadyProject();
        var observatoryId = placed.ObservatoryId!.Value;
        var trackingNode = _cluster.System.Events.All<ProjectPlaced>().Single(p => p.ProjectId == observatoryId).Actors.Single().NodeId;

        await _cluster.KillAgent(_cluster.IndexOf(trackingNode));
        await _cluster.System.Bus.Publish(new CancelProject { ProjectId = placed.ProjectId, Reason = "lost node test over" });
        await _cluster.System.Bus.Publish(new CancelProject { ProjectId = observatoryId, Reason = "lost node test over" });

        await _cluster.WaitForStatus(observatoryId, ProjectStatuses.Undeployed);
        await _cluster.WaitForStatus(placed.ProjectId, ProjectStatuses.Undeployed);
    }
}

using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// A learner node's Docker engine is restarted (stopped and started again, with live-restore as nodes run it) once its
/// learner has started and before it has reported its data and its aggregator: the agent loses the engine, and with it
/// the actor's output, for as long as the restart takes.
/// </summary>
public sealed class EngineRestartTests : IAsyncLifetime
{
    private readonly ThreeNodeCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_deployment_whose_learner_nodes_engine_restarts_becomes_ready_with_the_same_container_per_actor()
    {
        var project = _cluster.SampleProject(learners: 2);
        await _cluster.System.Bus.Publish(project);
        var placed = (await _cluster.WaitFor<ProjectPlaced>(p => p.ProjectId == project.ProjectId)).Single();
        var learner = placed.Actors.First(a => a.Actor.Role == ActorRoles.Learner);
        var started = (await _cluster.WaitFor<ActorStarted>(s => s.ActorId == learner.Actor.ActorId)).Single();

        await NodeEngines.Restart(_cluster.IndexOf(learner.NodeId) + 1);

        await _cluster.WaitForReady(project.ProjectId);
        var status = await _cluster.WaitForStatus(project.ProjectId, ProjectStatuses.Ready);
        await _cluster.WaitForContainersOf(project.ProjectId, status.Actors.Select(a => a.ActorId));
        // Taken back, not started again: the container that ran before the restart is the one running now.
        var running = (await _cluster.Containers(project.ProjectId)).Single(c => c.Labels[FlopsBus.Agent.Labels.Actor] == learner.Actor.ActorId.ToString());
        Assert.Equal(started.ContainerId, running.ID);
        Assert.Empty(_cluster.System.Events.All<ActorFailed>());
        // The restart was felt: the node's agent lost its engine, and finds it again (READY may come first: the learner's
        // reports can have left before the engine stopped).
        await _cluster.Agents[_cluster.IndexOf(learner.NodeId)].WaitForOutput("The Docker engine answers again", ThreeNodeCluster.Patience);
        Assert.Single(_cluster.System.Events.All<AggregatorConnected>(), c => c.ActorId == learner.Actor.ActorId);
    }
}

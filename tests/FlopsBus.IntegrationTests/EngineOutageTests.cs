using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// Every node's Docker engine stops answering during a deployment (the agents reach it through a relay the test cuts;
/// the engine and its containers run on, as with live-restore): the deployment waits and goes on.
/// </summary>
public sealed class EngineOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(15);
    private readonly ThreeNodeCluster _cluster = new(engineThroughRelay: true);

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_deployment_whose_engines_stop_answering_for_15_seconds_becomes_ready_once_they_are_back_with_one_container_per_actor()
    {
        var project = _cluster.SampleProject(learners: 2);
        await _cluster.System.Bus.Publish(project);
        await _cluster.WaitFor<ProjectPlaced>(p => p.ProjectId == project.ProjectId);

        foreach (var link in _cluster.EngineLinks) link.Cut();
        await Task.Delay(Outage);   // the outage itself, not a wait for a condition
        foreach (var link in _cluster.EngineLinks) link.Restore();

        await _cluster.WaitForReady(project.ProjectId);
        var status = await _cluster.WaitForStatus(project.ProjectId, ProjectStatuses.Ready);
        await _cluster.WaitForContainersOf(project.ProjectId, status.Actors.Select(a => a.ActorId));
        Assert.Empty(_cluster.System.Events.All<ActorFailed>());
        Assert.Empty(_cluster.System.Events.All<NodeLost>());
    }
}

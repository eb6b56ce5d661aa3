using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The broker out of reach for everyone at once (planner, saga host and every agent), through a relay the test cuts:
/// the cluster's nodes heartbeat every second, so their grace is 3 s and the outage outlasts it fourfold.
/// </summary>
public sealed class BrokerOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(12);
    private readonly ThreeNodeCluster _cluster = new(brokerThroughRelay: true);

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_broker_outage_longer_than_the_node_grace_loses_no_node_fails_no_project_and_the_deployment_under_way_finishes()
    {
        var system = _cluster.System;
        var project = _cluster.SampleProject(learners: 2);
        await system.Bus.Publish(project);
        // Cut as the first actor runs: the others are still being made, and no learner has reached its aggregator yet.
        await system.Events.WaitFor<ActorStarted>(s => s.ProjectId == project.ProjectId, ThreeNodeCluster.Patience);
        Assert.DoesNotContain(system.Events.All<AggregatorConnected>(), c => c.ProjectId == project.ProjectId);

        system.BrokerRelay!.Cut();
        // The outage itself: its length is what is under test, not a wait for a condition.
        await Task.Delay(Outage);
        system.BrokerRelay.Restore();

        await _cluster.WaitForReady(project.ProjectId);
        Assert.Empty(system.Events.All<NodeLost>());
        Assert.DoesNotContain(system.Events.All<ProjectFailed>(), f => f.ProjectId == project.ProjectId);
        Assert.Equal(3, (await _cluster.Containers(project.ProjectId)).Count);
    }
}

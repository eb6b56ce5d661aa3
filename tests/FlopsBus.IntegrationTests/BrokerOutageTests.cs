using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The broker out of reach of every node at once, through a relay the test cuts between the agents and the broker:
/// to the planner, every node falls silent together, as when the broker stops. The cluster's nodes heartbeat every
/// second, so their grace is 3 s and the outage outlasts it fourfold. (The planner and saga host keep their own
/// link here: how a saga host rides out losing the broker itself is the outage issue's to settle.)
/// </summary>
public sealed class BrokerOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(12);
    private readonly ThreeNodeCluster _cluster = new(agentsThroughRelay: true);

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Nodes_cut_off_from_the_broker_longer_than_their_grace_are_not_lost_and_the_deployment_under_way_finishes()
    {
        var system = _cluster.System;
        var project = _cluster.SampleProject(learners: 2);
        await system.Bus.Publish(project);
        // Cut as the first actor runs: the others are still being made, and no learner has reached its aggregator yet.
        await _cluster.WaitFor<ActorStarted>(s => s.ProjectId == project.ProjectId);
        Assert.DoesNotContain(system.Events.All<AggregatorConnected>(), c => c.ProjectId == project.ProjectId);

        _cluster.AgentLinks!.Cut();
        // The outage itself: its length is what is under test, not a wait for a condition.
        await Task.Delay(Outage);
        _cluster.AgentLinks.Restore();

        await _cluster.WaitForReady(project.ProjectId);
        Assert.Empty(system.Events.All<NodeLost>());
        Assert.DoesNotContain(system.Events.All<ProjectFailed>(), f => f.ProjectId == project.ProjectId);
        Assert.Equal(3, (await _cluster.Containers(project.ProjectId)).Count);
    }
}

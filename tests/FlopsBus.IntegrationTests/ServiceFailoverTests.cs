using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// Two planners and two saga hosts, as processes: the first of each is killed with SIGKILL (nothing of it gets to
/// clean up), and the ones standing by take the services' queues over, so a project submitted afterwards is placed
/// and followed to READY by them.
/// </summary>
public sealed class When_the_planner_and_saga_host_that_consume_are_killed : IAsyncLifetime
{
    private OneNodeOnProcesses _system = null!;

    public async Task InitializeAsync() => _system = await OneNodeOnProcesses.Create("flops-failover");
    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task The_ones_standing_by_place_the_next_project_and_follow_it_to_ready()
    {
        var bus = _system.Isolated.BusSettings;
        await _system.Start(planner: bus, deployment: bus);
        var (planner, deployment) = await _system.StartStandbys(bus);

        await _system.Planner.Kill();
        await _system.Deployment.Kill();
        var ready = await _system.SubmitUntilReady(bus, "failover");

        Assert.Equal([ActorRoles.Aggregator, ActorRoles.Learner], ready.Actors.Select(a => a.Role).Order());
        Assert.All(ready.Actors, a => Assert.Equal(_system.NodeId, a.NodeId));
        Assert.Contains("Healthy", await planner.HealthUntil(OneNodeOnProcesses.Patience, "Healthy"));
        Assert.Contains("Healthy", await deployment.HealthUntil(OneNodeOnProcesses.Patience, "Healthy"));
    }
}

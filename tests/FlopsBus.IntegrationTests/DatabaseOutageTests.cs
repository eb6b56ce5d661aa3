using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The saga's PostgreSQL stops during a deployment (pg_ctl stop, then start, on a server of the test's own): the
/// deployment waits and goes on, and nothing that merely met the outage lands in an error queue.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private PrivatePostgres _postgres = null!;
    private ThreeNodeCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PrivatePostgres.Create();
        _cluster = new ThreeNodeCluster(connectionString: _postgres.ConnectionString);
        await _cluster.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task A_deployment_whose_database_stops_for_30_seconds_becomes_ready_once_it_is_back_with_no_event_twice_and_no_error()
    {
        var project = _cluster.SampleProject(learners: 2);
        await _cluster.System.Bus.Publish(project);
        await _cluster.WaitFor<ProjectPlaced>(p => p.ProjectId == project.ProjectId);

        await _postgres.Stop();
        await Task.Delay(Outage);   // the outage itself, not a wait for a condition
        await _postgres.Start();

        await _cluster.WaitForReady(project.ProjectId);
        var status = await _cluster.WaitForStatus(project.ProjectId, ProjectStatuses.Ready);
        Assert.Empty(await _cluster.System.Management.PeekMessages(_cluster.System.VirtualHost, EndpointNames.Deployment + "_error"));
        Assert.Equal(3, status.Actors.Count);
        // Every fact once: no message that met the outage was folded in twice.
        Assert.All(status.Timeline.GroupBy(e => (e.Event, e.ActorId)), g => Assert.Single(g));
        Assert.All(status.Actors, a => Assert.Equal(a.Role == ActorRoles.Learner ? ActorStatuses.Connected : ActorStatuses.Running, a.Status));
        Assert.Single(status.Timeline, e => e.Event == "placed");
        Assert.Single(status.Timeline, e => e.Event == "ready");
    }
}

using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The saga's PostgreSQL stops during a deployment (pg_ctl stop, then start, on a server of the test's own): the
/// deployment waits and goes on, every fact lands once, and nothing that merely met the outage lands in an error queue.
/// </summary>
public abstract class DatabaseOutage(TimeSpan outage, (int From, int To)? portBases = null) : IAsyncLifetime
{
    private PrivatePostgres _postgres = null!;
    private ThreeNodeCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PrivatePostgres.Create();
        _cluster = new ThreeNodeCluster(connectionString: _postgres.ConnectionString, portBases: portBases);
        await _cluster.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    protected async Task A_deployment_becomes_ready_once_the_database_is_back_with_every_event_once_and_no_error()
    {
        var project = _cluster.SampleProject(learners: 2);
        await _cluster.System.Bus.Publish(project);
        await _cluster.WaitFor<ProjectPlaced>(p => p.ProjectId == project.ProjectId);

        await _postgres.Stop();
        await Task.Delay(outage);   // the outage itself, not a wait for a condition
        await _postgres.Start();

        await _cluster.WaitForReady(project.ProjectId);
        var status = await _cluster.WaitForStatus(project.ProjectId, ProjectStatuses.Ready);
        Assert.Equal(3, status.Actors.Count);
        Assert.All(status.Actors, a => Assert.Equal(a.Role == ActorRoles.Learner ? ActorStatuses.Connected : ActorStatuses.Running, a.Status));
        // Every fact once: none lost with the outage, none that met it folded in twice. READY needs no image-pulled, and
        // a report held through the outage goes on up to Deployment:OutageRetryLimit after the database is back.
        var expected = status.Actors.SelectMany(a => (a.Role == ActorRoles.Learner
                ? new[] { "image-pulled", "started", "data-fetched", "connected" }
                : ["image-pulled", "started"]).Select(e => (e, (Guid?)a.ActorId)))
            .Append(("placed", null)).Append(("ready", null)).Order().ToList();
        var timeline = await _cluster.WaitForTimeline(project.ProjectId, t => t.Count >= expected.Count);
        Assert.Equal(expected, timeline.Select(e => (e.Event, e.ActorId)).Order().ToList());
        Assert.Empty(await _cluster.System.Management.PeekMessages(_cluster.System.VirtualHost, EndpointNames.Deployment + "_error"));
    }
}

public sealed class When_the_database_stops_for_30_seconds() : DatabaseOutage(TimeSpan.FromSeconds(30))
{
    [Fact]
    public Task A_deployment_becomes_ready_once_it_is_back_with_every_event_once_and_no_error() =>
        A_deployment_becomes_ready_once_the_database_is_back_with_every_event_once_and_no_error();
}

/// <summary>
/// Longer than any retry schedule. tests/run-tests.sh runs it (trait <c>Outage=long</c>) beside the rest of the suite, on
/// ports of its own: it spends three minutes waiting.
/// </summary>
[Trait("Outage", "long")]
public sealed class When_the_database_stops_for_3_minutes() : DatabaseOutage(TimeSpan.FromMinutes(3), portBases: (26000, 26800))
{
    [Fact]
    public Task A_deployment_becomes_ready_once_it_is_back_with_every_event_once_and_no_error() =>
        A_deployment_becomes_ready_once_the_database_is_back_with_every_event_once_and_no_error();
}

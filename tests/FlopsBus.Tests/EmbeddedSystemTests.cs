using FlopsBus.Cli;
using FlopsBus.Contracts;

namespace FlopsBus.Tests;

/// <summary>
/// The embedded path end to end: in-memory transport, real sample actors as local processes, learners that
/// really read their data and really connect to the aggregator over TCP.
/// </summary>
public sealed class EmbeddedSystemTests
{
    [Fact]
    public async Task A_sample_project_becomes_ready_with_every_learner_connected()
    {
        await using var run = await EmbeddedRun.Start();
        var project = EmbeddedSystem.SampleProject(learners: 2);

        var (outcome, reason) = await run.Deploy(project);

        Assert.True(outcome == ProjectStatuses.Ready, reason);
        var status = await run.Status(project.ProjectId);
        Assert.Equal(ProjectStatuses.Ready, status.Status);
        Assert.Equal(
            [(ActorRoles.Aggregator, "node-1", ActorStatuses.Running), (ActorRoles.Learner, "node-2", ActorStatuses.Connected), (ActorRoles.Learner, "node-3", ActorStatuses.Connected)],
            status.Actors.Select(a => (a.Role, a.NodeId!, a.Status)).Order());
        var observatory = await run.Status(status.ObservatoryId!.Value);
        Assert.Equal(ProjectStatuses.Ready, observatory.Status);
        Assert.Equal((ActorRoles.TrackingServer, ActorStatuses.Running), (observatory.Actors.Single().Role, observatory.Actors.Single().Status));
    }

    [Fact]
    public async Task A_hierarchical_project_is_ready_once_the_cluster_aggregator_reached_the_root()
    {
        await using var run = await EmbeddedRun.Start();
        var project = EmbeddedSystem.SampleProject(learners: 2, ProjectModes.Hierarchical);

        var (outcome, reason) = await run.Deploy(project);

        Assert.True(outcome == ProjectStatuses.Ready, reason);
        Assert.Equal(
            [(ActorRoles.RootAggregator, ActorStatuses.Running), (ActorRoles.ClusterAggregator, ActorStatuses.Connected),
             (ActorRoles.Learner, ActorStatuses.Connected), (ActorRoles.Learner, ActorStatuses.Connected)],
            (await run.Status(project.ProjectId)).Actors.Select(a => (a.Role, a.Status)));
    }
}

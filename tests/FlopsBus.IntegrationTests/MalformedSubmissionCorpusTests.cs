using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The whole corpus of malformed bodies published on the real broker through the management API (as the UI does),
/// to the planner of a three-node cluster on the real engine.
/// </summary>
public sealed class MalformedSubmissionCorpusTests : IAsyncLifetime
{
    private const string Exchange = "FlopsBus.Contracts:ProjectSubmitted";
    private readonly ThreeNodeCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Every_malformed_body_gets_one_rejection_naming_its_field_is_kept_in_the_error_queue_and_a_valid_project_is_ready_after()
    {
        var system = _cluster.System;
        var corpus = MalformedSubmissions.All;
        foreach (var malformed in corpus)
            Assert.True(await system.Management.Publish(system.VirtualHost, Exchange, malformed.Body), $"'{malformed.Category}' was not routed");
        var valid = _cluster.SampleProject(learners: 1);
        await system.Bus.Publish(valid);

        var rejected = await _cluster.WaitFor<ProjectRejected>(_ => true, count: corpus.Count);
        await _cluster.WaitForReady(valid.ProjectId);

        Assert.Equal(corpus.Count, system.Events.All<ProjectRejected>().Count);
        foreach (var names in corpus.GroupBy(c => c.Names))
            Assert.True(rejected.Count(r => r.Reason.Contains(names.Key, StringComparison.Ordinal)) >= names.Count(),
                $"{names.Count()} rejection(s) should say \"{names.Key}\"; the rejections: {string.Join(" | ", rejected.Select(r => r.Reason))}");
        var kept = corpus.Count(c => c.Kept);
        Assert.Equal(kept, rejected.Count(r => r.Reason.EndsWith($"It was kept in the {EndpointNames.Planner}_error queue.", StringComparison.Ordinal)));
        var errorQueue = await system.Management.PeekMessages(system.VirtualHost, EndpointNames.Planner + "_error", count: corpus.Count + 10);
        Assert.Equal(kept, errorQueue.Count);
        var placed = system.Events.All<ProjectPlaced>();
        Assert.Equal([DeploymentKinds.Observatory, DeploymentKinds.Project], placed.Select(p => p.Kind).Order());
        Assert.All(await _cluster.Containers(), c =>
            Assert.Contains(c.Labels[Labels.Project], new[] { valid.ProjectId.ToString(), placed.Single(p => p.Kind == DeploymentKinds.Observatory).ProjectId.ToString() }));
    }
}

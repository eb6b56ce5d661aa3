using System.Text.Json;
using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>The flops CLI against a running system: output and exit codes, as scripts rely on them.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ThreeNodeCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    private Task<CliProcess.Result> Flops(params string[] args) => CliProcess.Run(_cluster.System.BusSettings, args);

    private static string[] SubmitArgs(int learners) =>
    [
        "submit", "--customer", "cli", "--learners", learners.ToString(), "--data-tags", "mnist",
        "--aggregator-image", Testing.TestEnvironment.AggregatorImage, "--learner-image", Testing.TestEnvironment.LearnerImage,
    ];

    [Fact]
    public async Task Submit_wait_status_cancel_and_watch_follow_a_project_to_ready_and_to_undeployed()
    {
        var submitted = await Flops([.. SubmitArgs(2), "--wait", "--json", "--timeout", "120"]);
        Assert.True(submitted.ExitCode == 0, submitted.Error + _cluster.AgentOutput);
        var ready = JsonSerializer.Deserialize<ProjectStatus>(submitted.Out, Json)!;
        Assert.Equal(ProjectStatuses.Ready, ready.Status);
        Assert.Equal(2, ready.Actors.Count(a => a.Role == ActorRoles.Learner && a.Status == ActorStatuses.Connected));

        var status = await Flops("status", ready.ProjectId.ToString());
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Service Name", status.Out);
        Assert.Contains("0 CONNECTED", status.Out);
        Assert.Contains("READY", status.Out);
        Assert.Matches(@"tracking[0-9a-f]{12} .*0 RUNNING .*observatory ", status.Out);
        Assert.Contains($"observatory {ready.ObservatoryId}: READY at {ready.TrackingUrl}", status.Out);

        var observatory = await Flops("status", ready.ObservatoryId!.Value.ToString());
        Assert.Matches(@"tracking[0-9a-f]{12} .*0 RUNNING .*observatory ", observatory.Out);
        Assert.Contains($"observatory {ready.ObservatoryId}: READY", observatory.Out);

        var listed = await Flops("status", "--customer", "cli");
        Assert.Equal(0, listed.ExitCode);
        Assert.Matches($@"proj[0-9a-f]{{12}} .*{ready.ProjectId} .* cli .* READY .* 3 ", listed.Out);
        Assert.Matches($@"observatory .*{ready.ObservatoryId} .* cli .* READY .* 1 ", listed.Out);
        var listedJson = JsonSerializer.Deserialize<List<ProjectSummary>>((await Flops("status", "--json")).Out, Json)!;
        Assert.Contains(listedJson, p => p.ProjectId == ready.ProjectId && p.Status == ProjectStatuses.Ready && p.Kind == DeploymentKinds.Project);
        Assert.Contains(listedJson, p => p.ProjectId == ready.ObservatoryId && p.Kind == DeploymentKinds.Observatory);

        var cancelled = await Flops("cancel", ready.ProjectId.ToString(), "--reason", "cli test");
        Assert.Equal(0, cancelled.ExitCode);
        var watched = await Flops("watch", ready.ProjectId.ToString(), "--timeout", "60");
        Assert.Equal(1, watched.ExitCode);
        Assert.Contains("UNDEPLOYED", watched.Out);
        Assert.Contains("cancelled: cli test", watched.Error);
        Assert.Empty(await _cluster.Containers(ready.ProjectId, all: true));
    }

    [Fact]
    public async Task A_rejected_submission_exits_non_zero_naming_the_field_on_standard_error()
    {
        var submitted = await Flops([.. SubmitArgs(0), "--wait", "--timeout", "60"]);

        Assert.Equal(1, submitted.ExitCode);
        Assert.Contains("learners must be between 1 and", submitted.Error);
    }

    [Fact]
    public async Task Status_of_an_unknown_project_exits_2()
    {
        var status = await Flops("status", Guid.NewGuid().ToString());

        Assert.Equal(2, status.ExitCode);
        Assert.Contains("is not known", status.Error);
    }

    [Fact]
    public async Task Nodes_lists_every_agent_with_its_add_ons()
    {
        var nodes = await Flops("nodes", "--json");

        Assert.Equal(0, nodes.ExitCode);
        var views = JsonSerializer.Deserialize<List<NodeView>>(nodes.Out, Json)!;
        Assert.Equal(_cluster.Agents.Select(a => a.NodeId).Order(), views.Select(v => v.Node.NodeId).Order());
        Assert.Equal(2, views.Count(v => v.Live && v.Node.AddOns.Contains(NodeAddOns.FlopsLearner)));
    }
}

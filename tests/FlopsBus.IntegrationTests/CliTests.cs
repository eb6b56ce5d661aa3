using System.Text.Json;
using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// A three-node cluster with one project that `flops submit --wait --json` brought to READY, for the CLI tests
/// that read it.
/// </summary>
public sealed class ClusterWithReadyProject : IAsyncLifetime
{
    public ThreeNodeCluster Cluster { get; } = new();
    public CliProcess.Result Submitted { get; private set; } = null!;
    public ProjectStatus Ready { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Submitted = await Flops([.. SubmitArgs(2), "--wait", "--json", "--timeout", "120"]);
        if (Submitted.ExitCode != 0) throw new InvalidOperationException($"flops submit exited {Submitted.ExitCode}: {Submitted.Error}{Cluster.ClusterOutput}");
        Ready = JsonSerializer.Deserialize<ProjectStatus>(Submitted.Out, CliTests.Json)!;
    }

    public Task DisposeAsync() => Cluster.DisposeAsync();

    public Task<CliProcess.Result> Flops(params string[] args) => CliProcess.Run(Cluster.System.BusSettings, args);

    public static string[] SubmitArgs(int learners) =>
    [
        "submit", "--customer", "cli", "--learners", learners.ToString(), "--data-tags", "mnist",
        "--aggregator-image", Testing.TestEnvironment.AggregatorImage, "--learner-image", Testing.TestEnvironment.LearnerImage,
    ];
}

/// <summary>The flops CLI against a running system: output and exit codes, as scripts rely on them.</summary>
public sealed class CliTests(ClusterWithReadyProject fixture) : IClassFixture<ClusterWithReadyProject>
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private ProjectStatus Ready => fixture.Ready;

    private Task<CliProcess.Result> Flops(params string[] args) => fixture.Flops(args);

    [Fact]
    public void Submit_with_wait_and_json_prints_the_ready_status_with_every_learner_connected()
    {
        Assert.Equal(ProjectStatuses.Ready, Ready.Status);
        Assert.Equal(DeploymentKinds.Project, Ready.Kind);
        Assert.Equal(2, Ready.Actors.Count(a => a.Role == ActorRoles.Learner && a.Status == ActorStatuses.Connected));
    }

    [Fact]
    public async Task Status_of_a_project_prints_its_actors_its_tracking_server_and_its_observatory()
    {
        var status = await Flops("status", Ready.ProjectId.ToString());

        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Service Name", status.Out);
        Assert.Contains("0 CONNECTED", status.Out);
        Assert.Contains("READY", status.Out);
        Assert.Matches(@"tracking[0-9a-f]{12} .*0 RUNNING .*observatory ", status.Out);
        Assert.Contains($"observatory {Ready.ObservatoryId}: READY at {Ready.TrackingUrl}", status.Out);
    }

    [Fact]
    public async Task Status_of_an_observatory_prints_its_tracking_server()
    {
        var observatory = await Flops("status", Ready.ObservatoryId!.Value.ToString());

        Assert.Equal(0, observatory.ExitCode);
        Assert.Matches(@"tracking[0-9a-f]{12} .*0 RUNNING .*observatory ", observatory.Out);
        Assert.Contains($"observatory {Ready.ObservatoryId}: READY", observatory.Out);
    }

    [Fact]
    public async Task Status_of_a_customer_lists_its_project_and_its_observatory()
    {
        var listed = await Flops("status", "--customer", "cli");

        Assert.Equal(0, listed.ExitCode);
        Assert.Matches($@"proj[0-9a-f]{{12}} .*{Ready.ProjectId} .* cli .* READY .* 3 ", listed.Out);
        Assert.Matches($@"observatory .*{Ready.ObservatoryId} .* cli .* READY .* 1 ", listed.Out);
    }

    [Fact]
    public async Task Status_with_json_lists_deployments_with_their_kind()
    {
        var listed = await Flops("status", "--json");

        Assert.Equal(0, listed.ExitCode);
        var summaries = JsonSerializer.Deserialize<List<ProjectSummary>>(listed.Out, Json)!;
        Assert.Contains(summaries, p => p.ProjectId == Ready.ProjectId && p.Status == ProjectStatuses.Ready && p.Kind == DeploymentKinds.Project);
        Assert.Contains(summaries, p => p.ProjectId == Ready.ObservatoryId && p.Kind == DeploymentKinds.Observatory);
    }

    [Fact]
    public async Task Cancel_then_watch_follows_a_project_to_undeployed_and_leaves_no_container()
    {
        var submitted = await Flops([.. ClusterWithReadyProject.SubmitArgs(1), "--wait", "--json", "--timeout", "120"]);
        Assert.True(submitted.ExitCode == 0, submitted.Error + fixture.Cluster.ClusterOutput);
        var project = JsonSerializer.Deserialize<ProjectStatus>(submitted.Out, Json)!.ProjectId;

        var cancelled = await Flops("cancel", project.ToString(), "--reason", "cli test");
        var watched = await Flops("watch", project.ToString(), "--timeout", "60");

        Assert.Equal(0, cancelled.ExitCode);
        Assert.Equal(1, watched.ExitCode);
        Assert.Contains("UNDEPLOYED", watched.Out);
        Assert.Contains("cancelled: cli test", watched.Error);
        Assert.Empty(await fixture.Cluster.Containers(project, all: true));
    }

    [Fact]
    public async Task A_rejected_submission_exits_non_zero_naming_the_field_on_standard_error()
    {
        var submitted = await Flops([.. ClusterWithReadyProject.SubmitArgs(0), "--wait", "--timeout", "60"]);

        Assert.Equal(1, submitted.ExitCode);
        Assert.Contains("learners must be between 1 and", submitted.Error);
    }

    [Fact]
    public async Task A_rejected_submission_with_json_prints_a_rejected_status_naming_the_field()
    {
        var submitted = await Flops([.. ClusterWithReadyProject.SubmitArgs(0), "--wait", "--json", "--timeout", "60"]);

        Assert.Equal(1, submitted.ExitCode);
        var status = JsonSerializer.Deserialize<ProjectStatus>(submitted.Out, Json)!;
        Assert.Equal(ProjectStatuses.Rejected, status.Status);
        Assert.StartsWith("learners must be between 1 and", status.Reason);
        Assert.NotEqual(Guid.Empty, status.ProjectId);
    }

    [Fact]
    public async Task Watch_with_json_of_a_deployment_that_never_comes_prints_a_status_and_exits_2()
    {
        var projectId = Guid.NewGuid();

        var watched = await Flops("watch", projectId.ToString(), "--json", "--timeout", "1");

        Assert.Equal(2, watched.ExitCode);
        var status = JsonSerializer.Deserialize<ProjectStatus>(watched.Out, Json)!;
        Assert.Equal((projectId, ProjectStatuses.Placing, "no deployment known after 1 s"), (status.ProjectId, status.Status, status.Reason));
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
        Assert.Equal(fixture.Cluster.Agents.Select(a => a.NodeId).Order(), views.Select(v => v.Node.NodeId).Order());
        Assert.Equal(2, views.Count(v => v.Live && v.Node.AddOns.Contains(NodeAddOns.FlopsLearner)));
    }
}

using System.Runtime.Versioning;
using System.Text.Json;
using Docker.DotNet;
using FlopsBus.Contracts;
using FlopsBus.Hosting;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests.NodeIdentity;

/// <summary>
/// Least privilege end to end: the planner and saga hosts, the CLI and a node's agent each with only their own account
/// (from <c>flops account add</c> and <c>flops node add</c>), and the administrator's nowhere but in those two commands.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ServiceAccountTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private IsolatedBrokerAndDatabase _isolated = null!;
    private readonly List<IAsyncDisposable> _processes = [];
    private readonly DirectoryInfo _data = NodeDataFolder.Create("flops-accounts-");

    public async Task InitializeAsync() => _isolated = await IsolatedBrokerAndDatabase.Create("flops-accounts");

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        using var docker = new DockerClientConfiguration(new Uri(TestEnvironment.DockerEndpoint)).CreateClient();
        await NodeContainers.RemoveAllOfNode(docker, NodeId);
        await _isolated.DisposeAsync();
        _data.Delete(recursive: true);
    }

    private string NodeId => $"acct-node-{_isolated.VirtualHost[^6..]}";

    [Fact]
    public async Task With_an_account_each_the_services_the_cli_and_a_node_deploy_a_project_to_ready_and_tear_it_down()
    {
        var planner = await Account(ServiceAccounts.Planner);
        var deployment = await AccountFile(ServiceAccounts.Deployment);
        var cli = await Account(ServiceAccounts.Cli);
        var hosts = new[]
        {
            ServiceHost.Start("planner", "FlopsBus.Planner.Host", planner, _isolated.ConnectionString),
            ServiceHost.Start("deployment", "FlopsBus.Deployment.Host", deployment, _isolated.ConnectionString),
        };
        _processes.AddRange(hosts);
        var mnist = Directory.CreateDirectory(Path.Combine(_data.FullName, "mnist"));
        await File.WriteAllLinesAsync(Path.Combine(mnist.FullName, "part-0.csv"), Enumerable.Range(0, 100).Select(n => $"{n},{n % 10}"));
        var port = 31500 + Random.Shared.Next(0, 50) * 10;
        var agent = new AgentProcess(NodeId, await _isolated.NodeBusSettings(NodeId), new Dictionary<string, string>
        {
            ["Runtime"] = "docker", ["DockerEndpoint"] = TestEnvironment.DockerEndpoint, ["DataDir"] = _data.FullName,
            ["AddOns:0"] = NodeAddOns.FlopsLearner, ["PortRangeStart"] = port.ToString(), ["PortRangeEnd"] = (port + 9).ToString(),
            ["HeartbeatInterval"] = "00:00:01", ["StopGracePeriod"] = "00:00:02",
        });
        _processes.Add(agent);
        string Output() => string.Join('\n', hosts.Select(h => h.Output).Append(agent.Output));

        // As a script would: the node is known to the planner (flops nodes, with the CLI's account), then submit.
        var deadline = DateTimeOffset.UtcNow + Patience;
        CliProcess.Result nodes;
        while (!(nodes = await CliProcess.Run(cli, "nodes", "--json")).Out.Contains(NodeId))
            Assert.True(DateTimeOffset.UtcNow < deadline, $"flops nodes never showed {NodeId}: {nodes.Out}{nodes.Error}\n{Output()}");
        var submitted = await CliProcess.Run(cli, "submit", "--customer", "least-privilege", "--learners", "1", "--data-tags", "mnist",
            "--aggregator-image", TestEnvironment.AggregatorImage, "--learner-image", TestEnvironment.LearnerImage, "--wait", "--json", "--timeout", "120");
        Assert.True(submitted.ExitCode == 0, $"flops submit exited {submitted.ExitCode}: {submitted.Out}{submitted.Error}\n{Output()}");
        var ready = JsonSerializer.Deserialize<ProjectStatus>(submitted.Out, JsonSerializerOptions.Web)!;
        Assert.Equal(ProjectStatuses.Ready, ready.Status);

        var cancelled = await CliProcess.Run(cli, "cancel", ready.ProjectId.ToString());
        Assert.True(cancelled.ExitCode == 0, cancelled.Error);
        var watched = await CliProcess.Run(cli, "watch", ready.ProjectId.ToString(), "--json", "--timeout", "60");
        // Exit code 1: torn down, as scripts read it.
        Assert.True(watched.ExitCode == 1, $"flops watch exited {watched.ExitCode}: {watched.Out}{watched.Error}\n{Output()}");
        Assert.Equal(ProjectStatuses.Undeployed, JsonSerializer.Deserialize<ProjectStatus>(watched.Out, JsonSerializerOptions.Web)!.Status);
    }

    /// <summary>The administrator's settings: the loopback default, no account named.</summary>
    private Dictionary<string, string?> Administrator()
    {
        var admin = _isolated.BusSettings;
        admin.Remove("Bus:Username");
        admin.Remove("Bus:Password");
        return admin;
    }

    /// <summary>The service's own account, written by <c>flops account add --settings-file</c> and read through FLOPS_SETTINGS_FILE.</summary>
    private async Task<Dictionary<string, string?>> AccountFile(string service)
    {
        var file = Path.Combine(_data.FullName, $"{service}.json");
        var added = await CliProcess.Run(Administrator(), "account", "add", service, "--settings-file", file);
        Assert.True(added.ExitCode == 0, $"flops account add {service} exited {added.ExitCode}: {added.Error}");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var settings = Administrator();
        settings["SETTINGS_FILE"] = file;   // FLOPS_SETTINGS_FILE
        return settings;
    }

    /// <summary>The service's own account, from <c>flops account add --json</c> run with the administrator's (loopback default) credentials.</summary>
    private async Task<Dictionary<string, string?>> Account(string service)
    {
        var added = await CliProcess.Run(Administrator(), "account", "add", service, "--json");
        Assert.True(added.ExitCode == 0, $"flops account add {service} exited {added.ExitCode}: {added.Error}");
        var account = JsonSerializer.Deserialize<ServiceAccount>(added.Out, JsonSerializerOptions.Web)!;
        var settings = _isolated.BusSettings;
        settings["Bus:Username"] = account.Username;
        settings["Bus:Password"] = account.Password;
        return settings;
    }
}

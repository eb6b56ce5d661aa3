using System.Runtime.Versioning;
using System.Text.Json;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.IntegrationTests.NodeIdentity;

/// <summary>
/// Least privilege end to end: the planner and saga hosts, the CLI and a node's agent each with only their own account
/// (from <c>flops account add</c> and <c>flops node add</c>), and the administrator's nowhere but in those two commands.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ServiceAccountTests : IAsyncLifetime
{
    private OneNodeOnProcesses _system = null!;
    private readonly DirectoryInfo _settings = Directory.CreateTempSubdirectory("flops-accounts-");

    public async Task InitializeAsync() => _system = await OneNodeOnProcesses.Create("flops-accounts");

    public async Task DisposeAsync()
    {
        await _system.DisposeAsync();
        _settings.Delete(recursive: true);
    }

    [Fact]
    public async Task With_an_account_each_the_services_the_cli_and_a_node_deploy_a_project_to_ready_and_tear_it_down()
    {
        var cli = await Account(ServiceAccounts.Cli);
        await _system.Start(planner: await Account(ServiceAccounts.Planner), deployment: await AccountFile(ServiceAccounts.Deployment));

        var ready = await _system.SubmitUntilReady(cli, "least-privilege");

        var cancelled = await CliProcess.Run(cli, "cancel", ready.ProjectId.ToString());
        Assert.True(cancelled.ExitCode == 0, cancelled.Error);
        var watched = await CliProcess.Run(cli, "watch", ready.ProjectId.ToString(), "--json", "--timeout", "60");
        // Exit code 1: torn down, as scripts read it.
        Assert.True(watched.ExitCode == 1, $"flops watch exited {watched.ExitCode}: {watched.Out}{watched.Error}\n{_system.Output}");
        Assert.Equal(ProjectStatuses.Undeployed, JsonSerializer.Deserialize<ProjectStatus>(watched.Out, JsonSerializerOptions.Web)!.Status);
    }

    /// <summary>The administrator's settings: the loopback default, no account named.</summary>
    private Dictionary<string, string?> Administrator()
    {
        var admin = _system.Isolated.BusSettings;
        admin.Remove("Bus:Username");
        admin.Remove("Bus:Password");
        return admin;
    }

    /// <summary>The service's own account, written by <c>flops account add --settings-file</c> and read through FLOPS_SETTINGS_FILE.</summary>
    private async Task<Dictionary<string, string?>> AccountFile(string service)
    {
        var file = Path.Combine(_settings.FullName, $"{service}.json");
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
        var settings = _system.Isolated.BusSettings;
        settings["Bus:Username"] = account.Username;
        settings["Bus:Password"] = account.Password;
        return settings;
    }
}

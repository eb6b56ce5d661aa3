using System.ComponentModel;
using FlopsBus.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>
/// Gives a worker node its own broker account, with the administrator's credentials (BrokerAdmin:*), and prints the
/// settings its agent starts with. The password is shown this once; adding the node again makes a new one.
/// </summary>
public sealed class NodeAddCommand : AsyncCommand<NodeAddCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<NODE-ID>"), Description("The node's id, as its agent reports it.")]
        public string NodeId { get; init; } = "";
        [CommandOption("--add-on <NAME>"), Description("An add-on of the node (repeat for several), e.g. flops-learner.")]
        public string[] AddOns { get; init; } = [];
        [CommandOption("--cluster <NAME>"), Description("The cluster the node belongs to.")]
        public string? Cluster { get; init; }
        [CommandOption("--json"), Description("{\"nodeId\",\"username\",\"password\",\"virtualHost\"} as JSON, for scripts.")]
        public bool Json { get; init; }
        [CommandOption("--settings-file <FILE>"), Description("Write the agent's account and node settings to FILE (owner-only), for FLOPS_SETTINGS_FILE, instead of printing them.")]
        public string? SettingsFile { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var admin = CliAdministration.Connect();
        var bus = admin.Bus;
        var account = await new NodeAccounts(admin.Broker, admin.VirtualHost).Add(settings.NodeId, cancellationToken);
        if (settings.SettingsFile is not null)
        {
            var node = new Dictionary<string, string> { ["Agent:NodeId"] = account.NodeId };
            if (settings.Cluster is not null) node["Agent:Cluster"] = settings.Cluster;
            AccountSettings.Write(settings.SettingsFile, account.Username, account.Password, node);
            Console.Error.WriteLine($"node {account.NodeId}'s settings written to {settings.SettingsFile}");
            return 0;
        }
        if (settings.Json)
        {
            CliOutput.Json(new { account.NodeId, account.Username, account.Password, account.VirtualHost });
            return 0;
        }
        var agentSettings = new List<(string, string)>
        {
            ("FLOPS_Bus__Host", bus.Host), ("FLOPS_Bus__Port", bus.Port.ToString()), ("FLOPS_Bus__VirtualHost", account.VirtualHost),
            ("FLOPS_Bus__Username", account.Username), ("FLOPS_Bus__Password", account.Password), ("FLOPS_Agent__NodeId", account.NodeId),
        };
        agentSettings.AddRange(settings.AddOns.Select((addOn, i) => ($"FLOPS_Agent__AddOns__{i}", addOn)));
        if (settings.Cluster is not null) agentSettings.Add(("FLOPS_Agent__Cluster", settings.Cluster));
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Agent setting (environment)", "Value");
        foreach (var (name, value) in agentSettings) table.AddRow(Markup.Escape(name), Markup.Escape(value));
        AnsiConsole.Write(table);
        Console.Error.WriteLine($"node {account.NodeId} may now connect as {account.Username}; the password is not shown again");
        return 0;
    }
}

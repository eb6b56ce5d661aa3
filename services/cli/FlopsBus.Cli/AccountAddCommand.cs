using System.ComponentModel;
using FlopsBus.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>
/// Gives the planner, the saga host or the CLI its own broker account (with the administrator's credentials,
/// BrokerAdmin:*) and prints the settings it starts with. The password is shown this once.
/// </summary>
public sealed class AccountAddCommand : AsyncCommand<AccountAddCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SERVICE>"), Description("planner, deployment (the saga host) or cli.")]
        public string Service { get; init; } = "";
        [CommandOption("--json"), Description("{\"service\",\"username\",\"password\",\"virtualHost\"} as JSON, for scripts.")]
        public bool Json { get; init; }
        [CommandOption("--settings-file <FILE>"), Description("Write the account's settings to FILE (owner-only), for FLOPS_SETTINGS_FILE, instead of printing them.")]
        public string? SettingsFile { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var admin = CliAdministration.Connect();
        var bus = admin.Bus;
        var account = await ServiceAccounts.Add(admin.Broker, admin.VirtualHost, settings.Service, cancellationToken);
        if (settings.SettingsFile is not null)
        {
            AccountSettings.Write(settings.SettingsFile, account.Username, account.Password);
            Console.Error.WriteLine($"the {account.Service}'s settings written to {settings.SettingsFile}");
            return 0;
        }
        if (settings.Json)
        {
            CliOutput.Json(account);
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns($"Setting of the {Markup.Escape(account.Service)} (environment)", "Value");
        foreach (var (name, value) in new[]
                 {
                     ("FLOPS_Bus__Host", bus.Host), ("FLOPS_Bus__Port", bus.Port.ToString()), ("FLOPS_Bus__VirtualHost", account.VirtualHost),
                     ("FLOPS_Bus__Username", account.Username), ("FLOPS_Bus__Password", account.Password),
                 })
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        AnsiConsole.Write(table);
        Console.Error.WriteLine($"the {account.Service} may now connect as {account.Username}; the password is not shown again");
        return 0;
    }
}

using System.ComponentModel;
using FlopsBus.Hosting;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>Deletes a service's broker account and closes its connections.</summary>
public sealed class AccountRemoveCommand : AsyncCommand<AccountRemoveCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SERVICE>"), Description("planner, deployment or cli.")]
        public string Service { get; init; } = "";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var admin = CliAdministration.Connect();
        await ServiceAccounts.Remove(admin.Broker, admin.VirtualHost, settings.Service, cancellationToken);
        Console.Error.WriteLine($"the {settings.Service} account is gone and its connections closed");
        return 0;
    }
}

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
        var configuration = FlopsHost.CreateBuilder([], "flops-cli").Configuration;
        using var broker = BrokerAdminOptions.Connect(configuration);
        await ServiceAccounts.Remove(broker, BusOptions.From(configuration).VirtualHost, settings.Service, cancellationToken);
        Console.Error.WriteLine($"the {settings.Service} account is gone and its connections closed");
        return 0;
    }
}

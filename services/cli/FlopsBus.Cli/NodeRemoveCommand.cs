using System.ComponentModel;
using FlopsBus.Hosting;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>Takes a node's broker account away: the account is deleted, its connections closed, its exchanges removed.</summary>
public sealed class NodeRemoveCommand : AsyncCommand<NodeRemoveCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<NODE-ID>"), Description("The node's id.")]
        public string NodeId { get; init; } = "";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var admin = CliAdministration.Connect();
        await new NodeAccounts(admin.Broker, admin.VirtualHost).Remove(settings.NodeId, cancellationToken);
        Console.Error.WriteLine($"node {settings.NodeId} removed: its account is gone and its connections closed");
        return 0;
    }
}

using System.ComponentModel;
using FlopsBus.Contracts;
using MassTransit;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

public sealed class NodesCommand : AsyncCommand<NodesCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--json"), Description("The nodes as JSON, for scripts.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var bus = await CliBus.Start(cancellationToken);
        var client = bus.Bus.CreateRequestClient<GetNodes>(EndpointNames.PlannerControlAddress);
        var nodes = (await client.GetResponse<NodeList>(new GetNodes(), cancellationToken)).Message.Nodes;
        if (settings.Json)
        {
            CliOutput.Json(nodes);
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Node", "Address", "Add-ons", "Cluster", "Free CPU (millis)", "Free memory (MB)", "Last heartbeat", "Live");
        foreach (var n in nodes)
            table.AddRow(
                Markup.Escape(n.Node.NodeId), Markup.Escape(n.Node.Address), Markup.Escape(string.Join(", ", n.Node.AddOns)), Markup.Escape(n.Node.Cluster),
                $"{n.Free.CpuMillis} / {n.Node.Capacity.CpuMillis}", $"{n.Free.MemoryMb} / {n.Node.Capacity.MemoryMb}",
                $"{(DateTimeOffset.UtcNow - n.LastSeen).TotalSeconds:F0} s ago", n.Live ? "yes" : "[red]lost[/]");
        AnsiConsole.Write(table);
        return 0;
    }
}

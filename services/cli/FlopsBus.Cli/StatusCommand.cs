using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

public sealed class StatusCommand : AsyncCommand<StatusCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PROJECT>"), Description("The project id.")]
        public Guid ProjectId { get; init; }
        [CommandOption("--json"), Description("The status as JSON, for scripts.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var bus = await CliBus.Start(cancellationToken);
        if (await ProjectStatusQuery.Get(bus.Bus, settings.ProjectId, cancellationToken) is not { } status)
        {
            Console.Error.WriteLine($"project {settings.ProjectId} is not known to the deployment saga (not submitted, or not placed yet)");
            return 2;
        }
        if (settings.Json) CliOutput.Json(status);
        else AnsiConsole.Write(StatusTable.Render(status, await ProjectStatusQuery.GetObservatory(bus.Bus, status, cancellationToken)));
        return 0;
    }
}

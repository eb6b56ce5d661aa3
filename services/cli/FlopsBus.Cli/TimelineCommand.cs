using System.ComponentModel;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>Where a deployment spent its time: a Gantt chart of its actors' phases, the critical path marked.</summary>
public sealed class TimelineCommand : AsyncCommand<TimelineCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PROJECT>"), Description("The project id.")]
        public Guid ProjectId { get; init; }
        [CommandOption("--json"), Description("The phases and the critical path as JSON, for scripts.")]
        public bool Json { get; init; }
        [CommandOption("--svg <FILE>"), Description("Also write the chart as SVG to FILE, for a report.")]
        public string? Svg { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var bus = await CliBus.Start(cancellationToken);
        if (await ProjectStatusQuery.Get(bus.Bus, settings.ProjectId, cancellationToken) is not { } status)
        {
            Console.Error.WriteLine($"project {settings.ProjectId} is not known to the deployment saga (not submitted, or not placed yet)");
            return 2;
        }
        var timeline = DeploymentTimeline.From(status);
        if (settings.Svg is not null) TimelineChart.Svg(timeline).Save(settings.Svg);
        if (settings.Json) CliOutput.Json(timeline);
        else Console.Out.Write(TimelineChart.Text(timeline));
        return 0;
    }
}

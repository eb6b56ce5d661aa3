using System.ComponentModel;
using System.Text.Json;
using FlopsBus.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

public sealed class SubmitCommand : AsyncCommand<SubmitCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-f|--file <PATH>"), Description("A ProjectSubmitted as camelCase JSON; flags override its fields.")]
        public string? File { get; init; }
        [CommandOption("--customer <ID>")] public string? Customer { get; init; }
        [CommandOption("--aggregator-image <IMAGE>")] public string? AggregatorImage { get; init; }
        [CommandOption("--learner-image <IMAGE>")] public string? LearnerImage { get; init; }
        [CommandOption("--learners <N>")] public int? Learners { get; init; }
        [CommandOption("--data-tags <TAGS>"), Description("Comma-separated.")] public string? DataTags { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var message = settings.File is null
            ? new ProjectSubmitted()
            : JsonSerializer.Deserialize<ProjectSubmitted>(await System.IO.File.ReadAllTextAsync(settings.File, cancellationToken), JsonSerializerOptions.Web)
              ?? throw new InvalidOperationException($"{settings.File} holds no project.");
        message = message with
        {
            ProjectId = message.ProjectId == Guid.Empty ? Guid.NewGuid() : message.ProjectId,
            CustomerId = settings.Customer ?? message.CustomerId,
            AggregatorImage = settings.AggregatorImage ?? message.AggregatorImage,
            LearnerImage = settings.LearnerImage ?? message.LearnerImage,
            Learners = settings.Learners ?? message.Learners,
            DataTags = settings.DataTags?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? message.DataTags,
        };
        await using var bus = await CliBus.Start(cancellationToken);
        await bus.Bus.Publish(message, cancellationToken);
        AnsiConsole.WriteLine(message.ProjectId.ToString());
        return 0;
    }
}

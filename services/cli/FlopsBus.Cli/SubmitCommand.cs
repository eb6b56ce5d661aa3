using System.ComponentModel;
using System.Text.Json;
using FlopsBus.Contracts;
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
        [CommandOption("--mode <MODE>"), Description("classic or hierarchical.")] public string? Mode { get; init; }
        [CommandOption("--wait"), Description("Follow the deployment; exit 0 on READY, 1 on FAILED, 2 on timeout.")] public bool Wait { get; init; }
        [CommandOption("--timeout <SECONDS>"), DefaultValue(600)] public int TimeoutSeconds { get; init; } = 600;
        [CommandOption("--json"), Description("With --wait, print the final status as JSON, whatever the outcome (REJECTED included).")] public bool Json { get; init; }
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
            Mode = settings.Mode ?? message.Mode,
        };
        await using var bus = await CliBus.Start(cancellationToken);
        // Listen before publishing, so a rejection that comes back at once is not missed.
        await using var outcome = await bus.WithinPatience(token => ProjectOutcome.Listen(bus.Bus, message.ProjectId, token),
            "listen for the project's outcome", cancellationToken);
        await bus.WithinPatience(token => bus.Bus.Publish(message, token), $"publish project {message.ProjectId}'s submission", cancellationToken);
        if (!settings.Json) Console.WriteLine(message.ProjectId);
        if (!settings.Wait) return 0;

        var watching = WatchCommand.Follow(bus.Bus, message.ProjectId, TimeSpan.FromSeconds(settings.TimeoutSeconds), settings.Json, cancellationToken);
        // A rejected project never reaches the saga's status: its rejection ends the wait. Any other outcome is the
        // saga's, and the watch reports it.
        if (await Task.WhenAny(watching, outcome.Task) == watching) return await watching;
        var (status, reason) = await outcome.Task;
        if (status != ProjectStatuses.Rejected) return await watching;
        if (settings.Json)
            CliOutput.Json(new ProjectStatus { ProjectId = message.ProjectId, CustomerId = message.CustomerId ?? "", Status = status, Reason = reason });
        Console.Error.WriteLine($"project {message.ProjectId} {status}: {reason}");
        return 1;
    }
}

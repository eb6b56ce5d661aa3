using System.ComponentModel;
using System.Diagnostics;
using FlopsBus.Contracts;
using MassTransit;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>
/// Follows a deployment until it settles: a live table on a terminal, one line per change when piped.
/// Exit codes for scripts: 0 READY, 1 FAILED or torn down, 2 not settled within the timeout.
/// </summary>
public sealed class WatchCommand : AsyncCommand<WatchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PROJECT>"), Description("The project id.")]
        public Guid ProjectId { get; init; }
        [CommandOption("--timeout <SECONDS>"), DefaultValue(600)]
        public int TimeoutSeconds { get; init; } = 600;
        [CommandOption("--json"), Description("Print only the final status as JSON, for scripts, whatever the outcome (timeout included).")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var bus = await CliBus.Start(cancellationToken);
        return await Follow(bus.Bus, settings.ProjectId, TimeSpan.FromSeconds(settings.TimeoutSeconds), settings.Json, cancellationToken);
    }

    public static async Task<int> Follow(IBus bus, Guid projectId, TimeSpan timeout, bool json, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        ProjectStatus? status = null;
        if (!json && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Live(new Text($"project {projectId}: waiting for its placement")).StartAsync(async live =>
            {
                while (!Settled(status) && clock.Elapsed < timeout)
                {
                    status = await ProjectStatusQuery.Get(bus, projectId, cancellationToken);
                    if (status is not null) live.UpdateTarget(ActorTable.Render(status, clock.Elapsed));
                    if (!Settled(status)) await Task.Delay(250, cancellationToken);
                }
            });
        }
        else
        {
            var seen = new Dictionary<Guid, string>();
            string? projectState = null;
            while (!Settled(status) && clock.Elapsed < timeout)
            {
                status = await ProjectStatusQuery.Get(bus, projectId, cancellationToken);
                if (status is not null && !json) PrintChanges(status, seen, ref projectState, clock.Elapsed);
                if (!Settled(status)) await Task.Delay(250, cancellationToken);
            }
        }

        // Scripts get a status on every outcome: a deployment the saga never heard of is still waiting for its placement.
        if (json) CliOutput.Json(status ?? new ProjectStatus
        {
            ProjectId = projectId, Status = ProjectStatuses.Placing, Reason = $"no deployment known after {timeout.TotalSeconds:F0} s",
        });
        if (!Settled(status))
        {
            Console.Error.WriteLine($"project {projectId} did not settle within {timeout.TotalSeconds:F0} s (last status: {status?.Status ?? "not placed"})");
            return 2;
        }
        if (status!.Status != ProjectStatuses.Ready)
            Console.Error.WriteLine($"project {projectId} {status.Status}: {status.Reason}");
        return status.Status == ProjectStatuses.Ready ? 0 : 1;
    }

    private static bool Settled(ProjectStatus? status) => status is not null && ProjectStatusQuery.IsSettled(status);

    private static void PrintChanges(ProjectStatus status, Dictionary<Guid, string> seen, ref string? projectState, TimeSpan elapsed)
    {
        foreach (var a in status.Actors.Where(a => !seen.TryGetValue(a.ActorId, out var s) || s != ActorStatusText.Of(a)))
        {
            seen[a.ActorId] = ActorStatusText.Of(a);
            Console.WriteLine($"{elapsed.TotalSeconds,7:F1} s  {a.Role} {a.Instance,-3} {a.NodeId,-12} {seen[a.ActorId]}");
        }
        if (projectState == status.Status) return;
        projectState = status.Status;
        Console.WriteLine($"{elapsed.TotalSeconds,7:F1} s  project {status.ProjectId} {status.Status}");
    }
}

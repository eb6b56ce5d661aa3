using System.ComponentModel;
using FlopsBus.Contracts;
using MassTransit;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

public sealed class StatusCommand : AsyncCommand<StatusCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[PROJECT]"), Description("The project id; without one, every deployment, most recently changed first.")]
        public Guid? ProjectId { get; init; }
        [CommandOption("--customer <ID>"), Description("Without a project: only this customer's deployments.")]
        public string? CustomerId { get; init; }
        [CommandOption("--json"), Description("The status as JSON, for scripts.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var bus = await CliBus.Start(cancellationToken);
        if (settings.ProjectId is not { } projectId)
            return await List(bus.Bus, settings, cancellationToken);
        if (await ProjectStatusQuery.Get(bus.Bus, projectId, cancellationToken) is not { } status)
        {
            Console.Error.WriteLine($"project {projectId} is not known to the deployment saga (not submitted, or not placed yet)");
            return 2;
        }
        if (settings.Json) CliOutput.Json(status);
        else AnsiConsole.Write(StatusTable.Render(status, await ProjectStatusQuery.GetObservatory(bus.Bus, status, cancellationToken)));
        return 0;
    }

    private static async Task<int> List(IBus bus, Settings settings, CancellationToken cancellationToken)
    {
        var client = bus.CreateRequestClient<GetProjects>(EndpointNames.DeploymentAddress);
        var projects = (await client.GetResponse<ProjectList>(new GetProjects { CustomerId = settings.CustomerId }, cancellationToken)).Message.Projects;
        if (settings.Json)
        {
            CliOutput.Json(projects);
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns(new[] { "App Name", "Project", "Customer", "Status", "Actors", "Submitted", "Changed" }.Select(c => new TableColumn(c).NoWrap()).ToArray());
        foreach (var p in projects)
            table.AddRow(
                p.Kind == DeploymentKinds.Observatory ? OakestraNames.ObservatoryAppName : OakestraNames.AppName(p.ProjectId),
                p.ProjectId.ToString(), Markup.Escape(p.CustomerId), Markup.Escape(p.Status), p.Actors.ToString(),
                Ago(DateTimeOffset.UtcNow - p.SubmittedAt), Ago(DateTimeOffset.UtcNow - p.UpdatedAt));
        table.Caption($"{projects.Count} deployment(s){(settings.CustomerId is null ? "" : $" of customer {Markup.Escape(settings.CustomerId)}")}");
        AnsiConsole.Write(table);
        return 0;
    }

    private static string Ago(TimeSpan age) =>
        age.TotalSeconds < 90 ? $"{Math.Max(0, age.TotalSeconds):F0} s ago" : age.TotalMinutes < 90 ? $"{age.TotalMinutes:F0} min ago" : $"{age.TotalHours:F0} h ago";
}

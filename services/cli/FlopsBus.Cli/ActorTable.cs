using FlopsBus.Contracts;
using Spectre.Console;

namespace FlopsBus.Cli;

/// <summary>The live view of `flops watch`: one row per actor, its status and when it got there.</summary>
public static class ActorTable
{
    public static Table Render(ProjectStatus status, TimeSpan watched)
    {
        var origin = status.SubmittedAt ?? DateTimeOffset.UtcNow;
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Actor", "Role", "Node", "Status", "At (s after placement)");
        foreach (var a in status.Actors)
            table.AddRow(
                a.ActorId.ToString()[..8], $"{a.Role} {a.Instance}", Markup.Escape(a.NodeId ?? ""),
                $"[{Colour(a.Status)}]{ActorStatusText.Of(a)}[/]", $"{(a.UpdatedAt - origin).TotalSeconds:F1}");
        table.Caption($"project {status.ProjectId}: [{Colour(status.Status)}]{status.Status}[/] " +
                      $"({watched.TotalSeconds:F0} s watched){(status.Reason is null ? "" : " - " + Markup.Escape(status.Reason))}");
        return table;
    }

    private static string Colour(string status) => status switch
    {
        ActorStatuses.Connected or ProjectStatuses.Ready => "green",
        ActorStatuses.Failed or ProjectStatuses.Failed => "red",
        ActorStatuses.Undeployed or ProjectStatuses.TearingDown or ProjectStatuses.Undeployed => "grey",
        _ => "yellow"
    };
}

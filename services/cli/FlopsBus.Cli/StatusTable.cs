using FlopsBus.Contracts;
using Spectre.Console;

namespace FlopsBus.Cli;

/// <summary>
/// A project's deployment as the seed shows it: one row per service, its instances and their statuses, under the
/// customer's observatory app (its tracking server) when the project has one. An observatory on its own shows its row.
/// </summary>
public static class StatusTable
{
    private static readonly (string Role, string Prefix)[] Services =
    [
        (ActorRoles.TrackingServer, "tracking"), (ActorRoles.Aggregator, "aggr"), (ActorRoles.RootAggregator, "raggr"),
        (ActorRoles.ClusterAggregator, "caggr"), (ActorRoles.Learner, "flearner"),
    ];

    public static Table Render(ProjectStatus status, ProjectStatus? observatory)
    {
        var table = new Table().Border(TableBorder.Rounded).ShowRowSeparators()
            .AddColumns(new[] { "Service Name", "Service ID", "Instances", "App Name", "App ID" }.Select(c => new TableColumn(c).NoWrap()).ToArray());
        if (observatory is not null) AddRows(table, observatory);
        AddRows(table, status);
        table.Caption($"{status.Kind} {status.ProjectId}: {status.Status}{(status.Reason is null ? "" : " - " + Markup.Escape(status.Reason))}" +
                      (observatory is null ? "" : $"\nobservatory {observatory.ProjectId}: {observatory.Status}{(status.TrackingUrl is null ? "" : $" at {Markup.Escape(status.TrackingUrl)}")}"));
        return table;
    }

    private static void AddRows(Table table, ProjectStatus status)
    {
        var appId = OakestraNames.AppId(status.ProjectId);
        foreach (var (role, prefix) in Services)
        {
            var instances = status.Actors.Where(a => a.Role == role).OrderBy(a => a.Instance).ToList();
            if (instances.Count == 0) continue;
            table.AddRow(
                OakestraNames.ServiceName(status.ProjectId, prefix),
                OakestraNames.ServiceId(status.ProjectId, role),
                string.Join('\n', instances.Select(a => $"{a.Instance} {Markup.Escape(ActorStatusText.Of(a))}")),
                role == ActorRoles.TrackingServer ? OakestraNames.ObservatoryAppName : OakestraNames.AppName(status.ProjectId),
                appId);
        }
    }
}

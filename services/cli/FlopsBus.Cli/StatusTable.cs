using FlopsBus.Contracts;
using Spectre.Console;

namespace FlopsBus.Cli;

/// <summary>
/// A project's deployment as the seed shows it: one row per service, its instances and their statuses, under the
/// customer's observatory app (its tracking server) when the project has one.
/// </summary>
public static class StatusTable
{
    public static Table Render(ProjectStatus status, ProjectStatus? observatory)
    {
        var table = new Table().Border(TableBorder.Rounded).ShowRowSeparators()
            .AddColumns(new[] { "Service Name", "Service ID", "Instances", "App Name", "App ID" }.Select(c => new TableColumn(c).NoWrap()).ToArray());
        if (observatory is not null)
            AddRows(table, observatory, OakestraNames.ObservatoryAppName, [(ActorRoles.TrackingServer, "tracking")]);
        AddRows(table, status, OakestraNames.AppName(status.ProjectId),
            [(ActorRoles.Aggregator, "aggr"), (ActorRoles.RootAggregator, "raggr"), (ActorRoles.ClusterAggregator, "caggr"), (ActorRoles.Learner, "flearner")]);
        table.Caption($"project {status.ProjectId}: {status.Status}{(status.Reason is null ? "" : " - " + Markup.Escape(status.Reason))}" +
                      (observatory is null ? "" : $"\nobservatory {observatory.ProjectId}: {observatory.Status}{(status.TrackingUrl is null ? "" : $" at {Markup.Escape(status.TrackingUrl)}")}"));
        return table;
    }

    private static void AddRows(Table table, ProjectStatus status, string appName, (string Role, string Prefix)[] services)
    {
        var appId = OakestraNames.AppId(status.ProjectId);
        foreach (var (role, prefix) in services)
        {
            var instances = status.Actors.Where(a => a.Role == role).OrderBy(a => a.Instance).ToList();
            if (instances.Count == 0) continue;
            table.AddRow(
                OakestraNames.ServiceName(status.ProjectId, prefix),
                OakestraNames.ServiceId(status.ProjectId, role),
                string.Join('\n', instances.Select(a => $"{a.Instance} {Markup.Escape(a.Status)}")),
                appName,
                appId);
        }
    }
}

using FlopsBus.Contracts;
using Spectre.Console;

namespace FlopsBus.Cli;

/// <summary>A project's deployment as the seed shows it: one row per service, its instances and their statuses.</summary>
public static class StatusTable
{
    public static Table Render(ProjectStatus status)
    {
        var table = new Table().Border(TableBorder.Rounded).ShowRowSeparators()
            .AddColumns(new[] { "Service Name", "Service ID", "Instances", "App Name", "App ID" }.Select(c => new TableColumn(c).NoWrap()).ToArray());
        var appName = OakestraNames.AppName(status.ProjectId);
        var appId = OakestraNames.AppId(status.ProjectId);
        foreach (var (role, prefix) in new[]
                 {
                     (ActorRoles.Aggregator, "aggr"), (ActorRoles.RootAggregator, "raggr"), (ActorRoles.ClusterAggregator, "caggr"), (ActorRoles.Learner, "flearner")
                 })
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
        table.Caption($"project {status.ProjectId}: {status.Status}{(status.Reason is null ? "" : " - " + Markup.Escape(status.Reason))}");
        return table;
    }
}

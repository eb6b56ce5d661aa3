using System.ComponentModel;
using FlopsBus.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>
/// What sits in the error queues of the virtual host, with the fault's reason: poison only, since messages that merely
/// met an outage wait instead. Read through the management API with the administrator's credentials (BrokerAdmin:*),
/// as the management UI would; reading puts every message back.
/// </summary>
public sealed class ErrorsCommand : AsyncCommand<ErrorsCommand.Settings>
{
    public const string Suffix = "_error";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--queue <NAME>"), Description("One error queue only, e.g. flops-planner_error.")]
        public string? Queue { get; init; }
        [CommandOption("--limit <N>"), DefaultValue(50), Description("At most this many messages per queue.")]
        public int Limit { get; init; } = 50;
        [CommandOption("--json"), Description("The messages as JSON, for scripts.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var admin = CliAdministration.Connect();
        var (broker, vhost) = (admin.Broker, admin.VirtualHost);
        var queues = (await broker.Queues(vhost, cancellationToken))
            .Where(q => settings.Queue is null ? q.name.EndsWith(Suffix, StringComparison.Ordinal) : q.name == settings.Queue)
            .Select(q => q.name).Order().ToList();
        if (settings.Queue is not null && queues.Count == 0)
            throw new InvalidOperationException($"virtual host '{vhost}' has no queue '{settings.Queue}'.");
        var messages = new List<ErrorQueueMessage>();
        foreach (var queue in queues)
            messages.AddRange((await broker.Peek(vhost, queue, settings.Limit, cancellationToken)).Select(m => ErrorQueueMessage.From(queue, m)));

        if (settings.Json)
        {
            CliOutput.Json(messages);
            return 0;
        }
        if (messages.Count == 0)
        {
            Console.Error.WriteLine($"no message in {(settings.Queue ?? "any error queue")} of virtual host '{vhost}'");
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Queue", "Message type", "Reason", "Faulted at");
        foreach (var m in messages)
            table.AddRow(Markup.Escape(m.Queue), Markup.Escape(m.MessageType),
                Markup.Escape(m.ExceptionType is null ? m.Reason : $"{m.ExceptionType}: {m.Reason}"), m.FaultedAt?.ToString("u") ?? "");
        AnsiConsole.Write(table);
        Console.Error.WriteLine($"`flops errors replay <queue>` puts a queue's messages back where they failed, once the cause is fixed");
        return 0;
    }
}

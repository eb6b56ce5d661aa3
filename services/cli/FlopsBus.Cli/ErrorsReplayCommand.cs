using System.ComponentModel;
using FlopsBus.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>
/// Moves what an error queue holds back to the queue it failed on (<c>X_error</c> to <c>X</c>), once the cause is fixed,
/// with one of the broker's dynamic shovels: each message leaves the error queue only once the destination has it.
/// A replayed message came through no node's exchange, so it counts as sent by the operator who replays it.
/// </summary>
public sealed class ErrorsReplayCommand : AsyncCommand<ErrorsReplayCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<QUEUE>"), Description("The error queue, e.g. flops-deployment_error.")]
        public string Queue { get; init; } = "";
        [CommandOption("--timeout <SECONDS>"), DefaultValue(120)]
        public int TimeoutSeconds { get; init; } = 120;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!settings.Queue.EndsWith(ErrorsCommand.Suffix, StringComparison.Ordinal) || settings.Queue.Length == ErrorsCommand.Suffix.Length)
            throw new InvalidOperationException($"'{settings.Queue}' is not an error queue: its name ends with {ErrorsCommand.Suffix}.");
        var destination = settings.Queue[..^ErrorsCommand.Suffix.Length];
        using var admin = CliAdministration.Connect();
        var (broker, vhost) = (admin.Broker, admin.VirtualHost);
        var queues = (await broker.Queues(vhost, cancellationToken)).ToDictionary(q => q.name);
        if (!queues.ContainsKey(settings.Queue))
            throw new InvalidOperationException($"virtual host '{vhost}' has no queue '{settings.Queue}'.");
        if (!queues.ContainsKey(destination))
            throw new InvalidOperationException($"virtual host '{vhost}' has no queue '{destination}' to put the messages back into.");

        var shovel = $"flops-replay-{settings.Queue}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
        await broker.Shovel(vhost, shovel, settings.Queue, destination, cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        await AnsiConsole.Status().StartAsync($"moving {Markup.Escape(settings.Queue)} back to {Markup.Escape(destination)}", async _ =>
        {
            while (await broker.ShovelExists(vhost, shovel, deadline.Token))
                await Task.Delay(200, deadline.Token);
        });
        Console.Error.WriteLine($"{settings.Queue}: every message it held is back in {destination}");
        return 0;
    }
}

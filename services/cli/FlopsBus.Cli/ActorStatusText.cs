using System.Globalization;
using FlopsBus.Contracts;

namespace FlopsBus.Cli;

public static class ActorStatusText
{
    /// <summary>The actor's status as people read it: a pull under way with its megabytes so far, of how many.</summary>
    public static string Of(ActorStatus actor) => actor is { Status: ActorStatuses.Pulling, PullBytes: { } bytes }
        ? string.Create(CultureInfo.InvariantCulture, $"{actor.Status} {bytes / 1e6:0}/{(actor.PullBytesTotal ?? 0) / 1e6:0} MB")
        : actor.Status;
}

using System.Globalization;
using FlopsBus.Contracts;

namespace FlopsBus.Cli;

public static class ActorStatusText
{
    /// <summary>
    /// The actor's status as people read it; a pull under way with its megabytes so far, of how many once that is known,
    /// and once every byte is there, that the engine is unpacking the layers (a pull's last part).
    /// </summary>
    public static string Of(ActorStatus actor) => actor switch
    {
        { Status: ActorStatuses.Pulling, PullBytes: { } bytes, PullBytesTotal: > 0 and var total } when bytes >= total =>
            string.Create(CultureInfo.InvariantCulture, $"{actor.Status} {total / 1e6:0} MB, unpacking"),
        { Status: ActorStatuses.Pulling, PullBytes: { } bytes, PullBytesTotal: > 0 and var total } =>
            string.Create(CultureInfo.InvariantCulture, $"{actor.Status} {bytes / 1e6:0}/{total / 1e6:0} MB"),
        { Status: ActorStatuses.Pulling, PullBytes: { } bytes } => string.Create(CultureInfo.InvariantCulture, $"{actor.Status} {bytes / 1e6:0} MB"),
        _ => actor.Status,
    };
}

using System.Globalization;
using System.Text;
using Docker.DotNet;

namespace FlopsBus.Agent;

/// <summary>
/// A container's output as the engine streams it with timestamps (stdout and stderr multiplexed in frames that
/// need not end at a line or even a character), turned into whole lines that each keep the engine's time.
/// </summary>
public static class DockerLogLines
{
    public static async Task ReadAsync(MultiplexedStream stream, Func<ActorOutputLine, Task> onLine, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var pending = new Dictionary<MultiplexedStream.TargetStream, (Decoder Decoder, StringBuilder Text)>();
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF) break;
            if (!pending.TryGetValue(read.Target, out var target))
                pending[read.Target] = target = (Encoding.UTF8.GetDecoder(), new StringBuilder());
            var count = target.Decoder.GetChars(buffer, 0, read.Count, chars, 0);
            target.Text.Append(chars, 0, count);
            int newline;
            while ((newline = IndexOf(target.Text, '\n')) >= 0)
            {
                var line = target.Text.ToString(0, newline).TrimEnd('\r');
                target.Text.Remove(0, newline + 1);
                await onLine(Parse(line));
            }
        }
        foreach (var (_, text) in pending.Values.Where(t => t.Text.Length > 0))
            await onLine(Parse(text.ToString()));
    }

    /// <summary>"2026-11-29T10:00:00.123456789Z text" into the text and its time; a line without a time is taken as now.</summary>
    public static ActorOutputLine Parse(string stamped)
    {
        var space = stamped.IndexOf(' ');
        var stamp = space < 0 ? stamped : stamped[..space];
        // The engine writes nanoseconds; .NET reads at most seven fractional digits.
        var dot = stamp.IndexOf('.');
        if (dot >= 0)
        {
            var end = stamp.IndexOfAny(['Z', '+', '-'], dot);
            if (end < 0) end = stamp.Length;
            if (end - dot - 1 > 7) stamp = stamp[..(dot + 8)] + stamp[end..];
        }
        return DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? new ActorOutputLine(space < 0 ? "" : stamped[(space + 1)..], at)
            : new ActorOutputLine(stamped, DateTimeOffset.UtcNow);
    }

    private static int IndexOf(StringBuilder text, char c)
    {
        for (var i = 0; i < text.Length; i++)
            if (text[i] == c) return i;
        return -1;
    }
}

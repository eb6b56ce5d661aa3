using System.Text.Json;

namespace FlopsBus.Agent;

/// <summary>
/// One progress line of the actor protocol: <c>FLOPS-EVENT {"event":"data-fetched","samples":600}</c>.
/// Anything else an actor prints is an ordinary log line.
/// </summary>
public sealed record ActorEventLine(string Event, long? Samples, string? Reason)
{
    public const string Prefix = "FLOPS-EVENT ";
    public const string DataFetched = "data-fetched";
    public const string AggregatorConnected = "aggregator-connected";
    public const string Failed = "failed";

    public static ActorEventLine? TryParse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        try
        {
            using var doc = JsonDocument.Parse(line.AsMemory(Prefix.Length));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var name) || name.ValueKind != JsonValueKind.String)
                return null;
            long? samples = root.TryGetProperty("samples", out var s) && s.TryGetInt64(out var n) ? n : null;
            string? reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            return new ActorEventLine(name.GetString()!, samples, reason);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

using System.Text;
using System.Text.Json;
using FlopsBus.Hosting;

namespace FlopsBus.Cli;

/// <summary>A message waiting in an error queue, with the fault MassTransit recorded on it when it gave up.</summary>
public sealed record ErrorQueueMessage(string Queue, string MessageType, string? ExceptionType, string Reason, DateTimeOffset? FaultedAt, string Body)
{
    private const int BodyShown = 400;

    public static ErrorQueueMessage From(string queue, BrokerManagement.PeekedMessage message)
    {
        var headers = message.properties.headers ?? [];
        string? Header(string name) => headers.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var body = message.payload_encoding == "base64"
            ? Encoding.UTF8.GetString(Convert.FromBase64String(message.payload))
            : message.payload;
        return new ErrorQueueMessage(
            queue,
            MessageTypeOf(body, message.properties.content_type),
            Header("MT-Fault-ExceptionType"),
            Header("MT-Fault-Message") ?? Header("MT-Reason") ?? "(no fault recorded)",
            DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), out var at) ? at : null,
            body.Length > BodyShown ? body[..BodyShown] + "…" : body);
    }

    /// <summary>The type a MassTransit envelope names, or what the body is when it is no envelope.</summary>
    private static string MessageTypeOf(string body, string? contentType)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array
                && types.GetArrayLength() > 0 && types[0].GetString() is { } urn)
                return urn.Replace("urn:message:", "");
            return $"plain JSON ({contentType ?? "no content type"})";
        }
        catch (JsonException)
        {
            return $"not JSON ({contentType ?? "no content type"})";
        }
    }
}

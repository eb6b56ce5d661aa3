using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using MassTransit;
using MassTransit.Serialization;

namespace FlopsBus.Planner;

/// <summary>
/// Reads a submission's raw body before anything deserializes it, and names what is wrong with it: too large,
/// not UTF-8, not JSON, not an object, a key twice, a field nobody knows, or a field of the wrong JSON type. A
/// deserializer would stop at the first of these with a message about .NET types, or, for a repeated key, quietly
/// keep the last value; a publisher deserves the field's name. The contract's own bounds (lengths, ranges, allowed
/// registries) are <see cref="ProjectSubmissionValidator"/>'s, on the typed message.
/// </summary>
public static class SubmissionBody
{
    private enum Kind { Guid, Text, Integer, TextList, Resources, Duration }

    // The fields of ProjectSubmitted as it travels (camelCase JSON); System.Text.Json matches names ignoring case,
    // and so does this.
    private static readonly Dictionary<string, Kind> Fields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["projectId"] = Kind.Guid, ["customerId"] = Kind.Text, ["aggregatorImage"] = Kind.Text, ["learnerImage"] = Kind.Text,
        ["learners"] = Kind.Integer, ["dataTags"] = Kind.TextList, ["resources"] = Kind.Resources, ["mode"] = Kind.Text,
        ["readinessTimeout"] = Kind.Duration,
    };

    private static readonly string[] Roles = ["aggregator", "learner"];
    private static readonly string[] Amounts = ["cpuMillis", "memoryMb"];

    /// <summary>The first problem of a received body (plain JSON or a MassTransit envelope), as <see cref="FindProblem(ReadOnlyMemory{byte}, bool, int, out Guid?)"/>.</summary>
    public static string? FindProblem(ReceiveContext received, int maxBytes, out Guid? projectId) =>
        FindProblem(received.Body.GetBytes(), received.ContentType?.MediaType == SystemTextJsonMessageSerializer.JsonContentType.MediaType,
            maxBytes, out projectId);

    /// <summary>The first problem of the body, naming the field, or null when its shape is that of a submission.</summary>
    /// <param name="body">The body as it came off the queue.</param>
    /// <param name="enveloped">Whether it is a MassTransit envelope, whose "message" holds the submission.</param>
    /// <param name="maxBytes">The largest body read at all.</param>
    /// <param name="projectId">The body's projectId when it is a GUID, to name the rejected project.</param>
    public static string? FindProblem(ReadOnlyMemory<byte> body, bool enveloped, int maxBytes, out Guid? projectId)
    {
        projectId = null;
        if (body.Length > maxBytes)
            return $"the submission is {body.Length} bytes, over the limit of {maxBytes} bytes.";
        if (!Utf8.IsValid(body.Span))
            return "the submission is not valid UTF-8 text.";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            return $"the submission is not valid JSON: {e.Message}";
        }
        using (document)
        {
            var root = document.RootElement;
            if (enveloped)
            {
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("message", out root))
                    return "the submission's envelope has no \"message\".";
            }
            if (root.ValueKind != JsonValueKind.Object)
                return $"the submission must be a JSON object, was {Describe(root)}.";
            if (Property(root, "projectId") is { ValueKind: JsonValueKind.String } id && id.TryGetGuid(out var guid))
                projectId = guid;
            if (FindObjectProblem(root, "", Fields.Keys) is { } problem)
                return problem;
            foreach (var property in root.EnumerateObject())
                if (FieldProblem(property.Name, Fields[property.Name], property.Value) is { } fieldProblem)
                    return fieldProblem;
            return null;
        }
    }

    private static JsonElement? Property(JsonElement obj, string name) =>
        obj.EnumerateObject().Where(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).FirstOrDefault();

    /// <summary>Keys repeated (ignoring case, as the deserializer does) or unknown.</summary>
    private static string? FindObjectProblem(JsonElement obj, string path, IEnumerable<string> known)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var allowed = new HashSet<string>(known, StringComparer.OrdinalIgnoreCase);
        foreach (var property in obj.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                return $"{path}{property.Name} appears more than once.";
            if (!allowed.Contains(property.Name))
                return $"{path}{Printable(property.Name)} is not a field of a submission (fields: {string.Join(", ", known)}).";
        }
        return null;
    }

    private static string? FieldProblem(string name, Kind kind, JsonElement value)
    {
        // Null is "not given": the validator names the fields a submission must have.
        if (value.ValueKind == JsonValueKind.Null && kind is not (Kind.Guid or Kind.Integer))
            return null;
        return kind switch
        {
            Kind.Guid when value.ValueKind != JsonValueKind.String || !value.TryGetGuid(out _)
                => $"{name} must be a GUID string, was {Describe(value)}.",
            Kind.Text when value.ValueKind != JsonValueKind.String
                => $"{name} must be a string, was {Describe(value)}.",
            Kind.Integer => IntegerProblem(name, value),
            Kind.TextList when value.ValueKind != JsonValueKind.Array
                => $"{name} must be an array of strings, was {Describe(value)}.",
            Kind.TextList => value.EnumerateArray().Select((tag, i) => tag.ValueKind == JsonValueKind.String ? null
                : $"{name}[{i}] must be a string, was {Describe(tag)}.").FirstOrDefault(p => p is not null),
            Kind.Resources => ResourcesProblem(name, value),
            Kind.Duration when value.ValueKind != JsonValueKind.String || !TimeSpan.TryParseExact(value.GetString(), "c", System.Globalization.CultureInfo.InvariantCulture, out _)
                => $"{name} must be a duration string such as \"00:05:00\", was {Describe(value)}.",
            _ => null,
        };
    }

    private static string? IntegerProblem(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _)
            ? null
            : $"{name} must be a whole number between {int.MinValue} and {int.MaxValue}, was {Describe(value)}.";

    private static string? ResourcesProblem(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            return $"{name} must be an object with \"aggregator\" and \"learner\", was {Describe(value)}.";
        if (FindObjectProblem(value, name + ".", Roles) is { } problem)
            return problem;
        foreach (var role in value.EnumerateObject())
        {
            var path = $"{name}.{role.Name}";
            if (role.Value.ValueKind == JsonValueKind.Null) continue;
            if (role.Value.ValueKind != JsonValueKind.Object)
                return $"{path} must be an object with \"cpuMillis\" and \"memoryMb\", was {Describe(role.Value)}.";
            if (FindObjectProblem(role.Value, path + ".", Amounts) is { } amountProblem)
                return amountProblem;
            foreach (var amount in role.Value.EnumerateObject())
                if (IntegerProblem($"{path}.{amount.Name}", amount.Value) is { } integerProblem)
                    return integerProblem;
        }
        return null;
    }

    /// <summary>What a value is, short enough for a rejection: its JSON type and, for scalars, the start of it.</summary>
    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.String => $"the string \"{Printable(value.GetString()!)}\"",
        _ => $"the number {Printable(value.GetRawText())}",
    };

    /// <summary>At most 40 characters of what a publisher sent, control characters escaped: rejections end up in logs.</summary>
    public static string Printable(string text)
    {
        var cut = text.Length > 40 ? text[..40] + "…" : text;
        var builder = new StringBuilder(cut.Length);
        foreach (var c in cut) builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return builder.ToString();
    }
}

using System.Text;

namespace FlopsBus.Testing;

/// <summary>
/// Bodies a publisher may put on the planner's queue that are not a valid submission, by category, each with the
/// words its rejection must hold (the field it names), and whether the body is kept in the error queue: a body that
/// is not a submission's shape is; a well-formed one out of bounds is consumed and rejected. The unit tests read
/// them with the planner's readers, the integration tests publish them through the management API, as the UI does.
/// </summary>
public static class MalformedSubmissions
{
    public sealed record Case(string Category, byte[] Body, string Names, bool Kept = true)
    {
        public override string ToString() => Category;
    }

    /// <summary>A valid submission's fields as JSON members, with <paramref name="replace"/> swapped in or added.</summary>
    public static string Submission(Guid projectId, string? replace = null, string? remove = null)
    {
        var fields = new Dictionary<string, string>
        {
            ["projectId"] = $"\"{projectId}\"",
            ["customerId"] = "\"corpus\"",
            ["aggregatorImage"] = $"\"{TestEnvironment.AggregatorImage}\"",
            ["learnerImage"] = $"\"{TestEnvironment.LearnerImage}\"",
            ["learners"] = "1",
            ["dataTags"] = "[\"mnist\"]",
        };
        if (remove is not null) fields.Remove(remove);
        var members = fields.Select(f => $"\"{f.Key}\": {f.Value}").ToList();
        if (replace is not null)
        {
            var name = replace[1..replace.IndexOf('"', 1)];
            members.RemoveAll(m => m.StartsWith($"\"{name}\":", StringComparison.Ordinal));
            members.Add(replace);
        }
        return "{" + string.Join(", ", members) + "}";
    }

    private static Case Text(string category, string body, string names, bool kept = true) => new(category, Encoding.UTF8.GetBytes(body), names, kept);

    private static Case Field(string category, string member, string names) => Text(category, Submission(Guid.NewGuid(), member), names);

    private static Case Bound(string category, string member, string names) => Text(category, Submission(Guid.NewGuid(), member), names, kept: false);

    public static IReadOnlyList<Case> All { get; } =
    [
        // Not a submission at all.
        Text("not JSON", "this is not json {", "not valid JSON"),
        Text("truncated JSON", Submission(Guid.NewGuid())[..40], "not valid JSON"),
        Text("empty body", "", "not valid JSON"),
        Text("JSON array", $"[{Submission(Guid.NewGuid())}]", "must be a JSON object, was an array"),
        Text("JSON null", "null", "must be a JSON object, was null"),
        Text("JSON string", "\"submit please\"", "must be a JSON object, was the string"),
        Text("JSON number", "42", "must be a JSON object, was the number"),
        new("invalid UTF-8", [.. Encoding.UTF8.GetBytes(Submission(Guid.NewGuid(), "\"customerId\": \"ab")), 0xC3, 0x28, .. "\"}"u8.ToArray()], "not valid UTF-8"),
        Text("nested too deep", Submission(Guid.NewGuid(), "\"mode\": " + new string('[', 40) + new string(']', 40)), "not valid JSON"),
        Text("over the size limit", Submission(Guid.NewGuid(), $"\"mode\": \"{new string('x', 70_000)}\""), "over the limit of 65536 bytes"),
        // Keys.
        Text("duplicate key", Submission(Guid.NewGuid(), "\"learners\": 1") .TrimEnd('}') + ", \"learners\": 50}", "learners appears more than once"),
        Text("duplicate key in another case", Submission(Guid.NewGuid()).TrimEnd('}') + ", \"Learners\": 50}", "Learners appears more than once"),
        Field("unknown field", "\"leaners\": 2", "leaners is not a field of a submission"),
        // Wrong JSON types.
        Field("projectId not a GUID", "\"projectId\": \"project-1\"", "projectId must be a GUID string, was the string \"project-1\""),
        Field("projectId a number", "\"projectId\": 12", "projectId must be a GUID string, was the number 12"),
        Field("projectId null", "\"projectId\": null", "projectId must be a GUID string, was null"),
        Field("learners a string", "\"learners\": \"two\"", "learners must be a whole number"),
        Field("learners a fraction", "\"learners\": 2.5", "learners must be a whole number"),
        Field("learners beyond int", "\"learners\": 99999999999", "learners must be a whole number"),
        Field("learners null", "\"learners\": null", "learners must be a whole number"),
        Field("learners true", "\"learners\": true", "learners must be a whole number"),
        Field("customerId a number", "\"customerId\": 7", "customerId must be a string"),
        Field("customerId an object", "\"customerId\": {\"name\": \"x\"}", "customerId must be a string, was an object"),
        Field("image an array", "\"learnerImage\": [\"a\"]", "learnerImage must be a string, was an array"),
        Field("dataTags a string", "\"dataTags\": \"mnist\"", "dataTags must be an array of strings"),
        Field("dataTags holding a number", "\"dataTags\": [\"mnist\", 3]", "dataTags[1] must be a string"),
        Field("resources a string", "\"resources\": \"big\"", "resources must be an object"),
        Field("resources with an unknown role", "\"resources\": {\"trainer\": {}}", "resources.trainer is not a field"),
        Field("cpuMillis a string", "\"resources\": {\"learner\": {\"cpuMillis\": \"500m\", \"memoryMb\": 512}}", "resources.learner.cpuMillis must be a whole number"),
        Field("readinessTimeout a number", "\"readinessTimeout\": 300", "readinessTimeout must be a duration string"),
        Field("readinessTimeout not a duration", "\"readinessTimeout\": \"soon\"", "readinessTimeout must be a duration string"),
        Field("mode a boolean", "\"mode\": true", "mode must be a string, was true"),
        // Bounds of the typed message.
        Bound("customerId too long", $"\"customerId\": \"{new string('c', 5000)}\"", "customerId is 5000 characters long"),
        Bound("customerId with a newline", "\"customerId\": \"a\\nb\"", "customerId 'a\\u000ab' may hold only"),
        Bound("customerId with a slash", "\"customerId\": \"../x\"", "customerId '../x' may hold only"),
        Bound("image reference too long", $"\"learnerImage\": \"{TestEnvironment.Registry}/{new string('l', 300)}:1\"", "learnerImage is 3"),
        Bound("image from another registry", "\"learnerImage\": \"evil.example.com/x:1\"", "which is not allowed"),
        Bound("too many data tags", $"\"dataTags\": [{string.Join(", ", Enumerable.Range(0, 33).Select(i => $"\"t{i}\""))}]", "dataTags may name at most 32 tags"),
        Bound("data tag escaping the data folder", "\"dataTags\": [\"../etc\"]", "dataTags[0] '../etc' may hold only"),
        Bound("data tag too long", $"\"dataTags\": [\"{new string('t', 100)}\"]", "dataTags[0] is 100 characters long"),
        Bound("learners zero", "\"learners\": 0", "learners must be between 1 and"),
        Bound("learners negative", "\"learners\": -3", "learners must be between 1 and"),
        Bound("absurd cpu", "\"resources\": {\"learner\": {\"cpuMillis\": 2000000000, \"memoryMb\": 512}}", "resources.learner must have cpuMillis between 1 and"),
        Bound("negative memory", "\"resources\": {\"aggregator\": {\"cpuMillis\": 100, \"memoryMb\": -1}}", "resources.aggregator must have cpuMillis between 1 and"),
        Bound("readinessTimeout too short", "\"readinessTimeout\": \"00:00:01\"", "readinessTimeout must be between"),
        Bound("readinessTimeout too long", "\"readinessTimeout\": \"30.00:00:00\"", "readinessTimeout must be between"),
        Bound("unknown mode", "\"mode\": \"turbo\"", "mode must be"),
        Text("projectId missing", Submission(Guid.NewGuid(), remove: "projectId"), "projectId is missing", kept: false),
        Text("customerId missing", Submission(Guid.NewGuid(), remove: "customerId"), "customerId is missing", kept: false),
    ];
}

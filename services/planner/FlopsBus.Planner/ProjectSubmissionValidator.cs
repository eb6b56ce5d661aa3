using FlopsBus.Hosting;
using System.Text.RegularExpressions;
using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>
/// Checks a submission field by field; the first problem found is returned as a sentence naming the field. Every
/// field has a bound: what a publisher sends ends up in container names and labels, saga rows and heartbeats.
/// </summary>
public sealed partial class ProjectSubmissionValidator(PlannerOptions options)
{
    public const int MaxNameLength = 63;
    public const int MaxImageLength = 255;
    public const int MaxDataTags = 32;
    /// <summary>1,000 cores and 4 TiB: more is a mistake, not a request (a request no node can meet fails placement).</summary>
    public const int MaxCpuMillis = 1_000_000;
    public const int MaxMemoryMb = 4 * 1024 * 1024;
    public static readonly TimeSpan MinReadinessTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxReadinessTimeout = TimeSpan.FromDays(1);

    // A name that is safe as a container name's part, a label value and a directory name: letters, digits, '.', '_',
    // '-', starting with a letter or digit.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex SafeName();

    public string? FindProblem(ProjectSubmitted message)
    {
        if (message.ProjectId == Guid.Empty)
            return "projectId is missing: a submission needs the project's GUID.";
        if (string.IsNullOrWhiteSpace(message.CustomerId))
            return "customerId is missing.";
        if (NameProblem("customerId", message.CustomerId) is { } customer)
            return customer;
        if (ImageProblem("aggregatorImage", message.AggregatorImage) is { } aggregator)
            return aggregator;
        if (ImageProblem("learnerImage", message.LearnerImage) is { } learner)
            return learner;
        if (message.Learners < 1 || message.Learners > options.MaxLearners)
            return $"learners must be between 1 and {options.MaxLearners}, was {message.Learners}.";
        if (message.DataTags is null || message.DataTags.Count == 0 || message.DataTags.Any(string.IsNullOrWhiteSpace))
            return "dataTags must name at least one data tag, and none may be empty.";
        if (message.DataTags.Count > MaxDataTags)
            return $"dataTags may name at most {MaxDataTags} tags, named {message.DataTags.Count}.";
        if (message.DataTags.Select((tag, i) => NameProblem($"dataTags[{i}]", tag)).FirstOrDefault(p => p is not null) is { } tag)
            return tag;
        if (ResourceProblem("resources.aggregator", message.Resources?.Aggregator) is { } aggregatorResources)
            return aggregatorResources;
        if (ResourceProblem("resources.learner", message.Resources?.Learner) is { } learnerResources)
            return learnerResources;
        if (message.Mode is not (null or ProjectModes.Classic or ProjectModes.Hierarchical))
            return $"mode must be '{ProjectModes.Classic}' or '{ProjectModes.Hierarchical}', was '{message.Mode}'.";
        if (message.ReadinessTimeout is { } timeout && (timeout < MinReadinessTimeout || timeout > MaxReadinessTimeout))
            return $"readinessTimeout must be between {MinReadinessTimeout} and {MaxReadinessTimeout}, was {timeout}.";
        return null;
    }

    private string? ImageProblem(string field, string? image)
    {
        if (string.IsNullOrWhiteSpace(image))
            return $"{field} is missing.";
        if (image.Length > MaxImageLength)
            return $"{field} is {image.Length} characters long; an image reference has at most {MaxImageLength}.";
        if (!ImageReference.TryParse(image, out var reference))
            return $"{field} '{image}' is not a valid image reference (registry/repository:tag).";
        if (!options.AllowedRegistries.Contains(reference.Registry, StringComparer.OrdinalIgnoreCase))
            return $"{field} '{image}' is from registry '{reference.Registry}', which is not allowed (allowed: {string.Join(", ", options.AllowedRegistries)}).";
        return null;
    }

    private static string? ResourceProblem(string field, ActorResources? resources) =>
        resources is null || (resources.CpuMillis is > 0 and <= MaxCpuMillis && resources.MemoryMb is > 0 and <= MaxMemoryMb)
            ? null
            : $"{field} must have cpuMillis between 1 and {MaxCpuMillis} and memoryMb between 1 and {MaxMemoryMb}, was {resources.CpuMillis} and {resources.MemoryMb}.";

    /// <summary>A name that ends up in container names, labels and paths: bounded, and of safe characters only.</summary>
    private static string? NameProblem(string field, string name)
    {
        if (name.Length > MaxNameLength)
            return $"{field} is {name.Length} characters long; at most {MaxNameLength} are allowed.";
        if (!SafeName().IsMatch(name))
            return $"{field} '{SubmissionBody.Printable(name)}' may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit.";
        return null;
    }
}

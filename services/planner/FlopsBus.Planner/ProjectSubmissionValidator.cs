using FlopsBus.Hosting;
using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>Checks a submission field by field; the first problem found is returned as a sentence naming the field.</summary>
public sealed class ProjectSubmissionValidator(PlannerOptions options)
{
    public string? FindProblem(ProjectSubmitted message)
    {
        if (message.ProjectId == Guid.Empty)
            return "projectId is missing: a submission needs the project's GUID.";
        if (string.IsNullOrWhiteSpace(message.CustomerId))
            return "customerId is missing.";
        if (ImageProblem("aggregatorImage", message.AggregatorImage) is { } aggregator)
            return aggregator;
        if (ImageProblem("learnerImage", message.LearnerImage) is { } learner)
            return learner;
        if (message.Learners < 1 || message.Learners > options.MaxLearners)
            return $"learners must be between 1 and {options.MaxLearners}, was {message.Learners}.";
        if (message.DataTags is null || message.DataTags.Count == 0 || message.DataTags.Any(string.IsNullOrWhiteSpace))
            return "dataTags must name at least one data tag, and none may be empty.";
        if (message.DataTags.Any(t => t.Contains(',') || t.Contains('/') || t.Contains("..")))
            return "dataTags may not contain ',', '/' or '..'.";
        if (ResourceProblem("resources.aggregator", message.Resources?.Aggregator) is { } aggregatorResources)
            return aggregatorResources;
        if (ResourceProblem("resources.learner", message.Resources?.Learner) is { } learnerResources)
            return learnerResources;
        if (message.Mode is not (null or ProjectModes.Classic or ProjectModes.Hierarchical))
            return $"mode must be '{ProjectModes.Classic}' or '{ProjectModes.Hierarchical}', was '{message.Mode}'.";
        if (message.ReadinessTimeout is { } timeout && timeout <= TimeSpan.Zero)
            return $"readinessTimeout must be positive, was {timeout}.";
        return null;
    }

    private string? ImageProblem(string field, string? image)
    {
        if (string.IsNullOrWhiteSpace(image))
            return $"{field} is missing.";
        if (!ImageReference.TryParse(image, out var reference))
            return $"{field} '{image}' is not a valid image reference (registry/repository:tag).";
        if (!options.AllowedRegistries.Contains(reference.Registry, StringComparer.OrdinalIgnoreCase))
            return $"{field} '{image}' is from registry '{reference.Registry}', which is not allowed (allowed: {string.Join(", ", options.AllowedRegistries)}).";
        return null;
    }

    private static string? ResourceProblem(string field, ActorResources? resources) =>
        resources is null || (resources.CpuMillis > 0 && resources.MemoryMb > 0)
            ? null
            : $"{field} must have positive cpuMillis and memoryMb, was {resources.CpuMillis} and {resources.MemoryMb}.";
}

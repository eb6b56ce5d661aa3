using FlopsBus.Contracts;
using FlopsBus.Hosting;
using Microsoft.Extensions.Configuration;

namespace FlopsBus.Planner;

/// <summary>Configuration section "Planner".</summary>
public sealed class PlannerOptions
{
    public const string Section = "Planner";

    public static PlannerOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = section.Get<PlannerOptions>() ?? new PlannerOptions();
        // The binder appends configured list items to the default ones; a configured allow-list replaces the default.
        if (section.GetSection(nameof(AllowedRegistries)).Get<List<string>>() is { Count: > 0 } allowed)
            options.AllowedRegistries = allowed;
        options.CheckTrackingImage();
        return options;
    }

    /// <summary>Registries images may come from (host[:port]); anything else is rejected before placement.</summary>
    public List<string> AllowedRegistries { get; set; } = ["127.0.0.1:5000"];
    public int MaxLearners { get; set; } = 100;
    /// <summary>A submission body larger than this is rejected unread (the broker's own limit is 8 MiB).</summary>
    public int MaxSubmissionBytes { get; set; } = 64 * 1024;
    public ActorResources DefaultAggregatorResources { get; set; } = new() { CpuMillis = 250, MemoryMb = 256 };
    public ActorResources DefaultLearnerResources { get; set; } = new() { CpuMillis = 500, MemoryMb = 512 };
    /// <summary>A node that misses this many of its heartbeats in a row is lost.</summary>
    public int MissedHeartbeats { get; set; } = 3;
    /// <summary>The grace for a node that did not say how often it heartbeats.</summary>
    public TimeSpan NodeGrace { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>
    /// After the planner itself was cut off from the bus (it heard from no node for longer than a grace), how long
    /// from the moment it hears again a node has to reconnect before its silence counts: clients reconnect with
    /// delays that grow during an outage (MassTransit's reach 10 s and more), so nodes come back one by one.
    /// </summary>
    public TimeSpan ReconnectGrace { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// A planner that has just started retries a submission at this interval until every node has had the chance to
    /// report what it runs (at most the longest heartbeat interval the nodes announce).
    /// </summary>
    public TimeSpan SettlingRetryInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    public int SettlingRetries { get; set; } = 120;
    /// <summary>
    /// How long a submission the broker delivers again waits for a placement of it from another planner (one that
    /// died before acknowledging it) to reach this planner's view, before it is placed as new.
    /// </summary>
    public TimeSpan RedeliveredSubmissionWait { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How often the planner looks for lost nodes.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// The image of the tracking server deployed once per customer (its observatory) for aggregators to log to;
    /// empty deploys none, and aggregators get no FLOPS_TRACKING_URL.
    /// </summary>
    public string TrackingImage { get; set; } = "127.0.0.1:5000/flops/sample-tracking:1";
    public ActorResources TrackingResources { get; set; } = new() { CpuMillis = 100, MemoryMb = 128 };

    /// <summary>The planner deploys the tracking image itself, so it answers to the allow-list like any submitted image.</summary>
    public void CheckTrackingImage()
    {
        if (TrackingImage.Length == 0) return;
        if (!ImageReference.TryParse(TrackingImage, out var reference))
            throw new InvalidOperationException($"{Section}:{nameof(TrackingImage)} '{TrackingImage}' is not a valid image reference (registry/repository:tag).");
        if (!AllowedRegistries.Contains(reference.Registry, StringComparer.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{Section}:{nameof(TrackingImage)} '{TrackingImage}' is from registry '{reference.Registry}', " +
                $"which is not in {Section}:{nameof(AllowedRegistries)} ({string.Join(", ", AllowedRegistries)}).");
    }
}

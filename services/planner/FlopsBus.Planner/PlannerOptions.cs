using FlopsBus.Contracts;
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
        return options;
    }

    /// <summary>Registries images may come from (host[:port]); anything else is rejected before placement.</summary>
    public List<string> AllowedRegistries { get; set; } = ["127.0.0.1:5000"];
    public int MaxLearners { get; set; } = 100;
    public ActorResources DefaultAggregatorResources { get; set; } = new() { CpuMillis = 250, MemoryMb = 256 };
    public ActorResources DefaultLearnerResources { get; set; } = new() { CpuMillis = 500, MemoryMb = 512 };
    /// <summary>A node that misses this many of its heartbeats in a row is lost.</summary>
    public int MissedHeartbeats { get; set; } = 3;
    /// <summary>The grace for a node that did not say how often it heartbeats.</summary>
    public TimeSpan NodeGrace { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>How often the planner looks for lost nodes.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>The tracking server aggregators log to, passed as FLOPS_TRACKING_URL.</summary>
    public string? TrackingUrl { get; set; }
}

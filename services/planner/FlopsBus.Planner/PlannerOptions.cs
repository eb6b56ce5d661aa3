using FlopsBus.Contracts;

namespace FlopsBus.Planner;

/// <summary>Configuration section "Planner".</summary>
public sealed class PlannerOptions
{
    public const string Section = "Planner";

    /// <summary>Registries images may come from (host[:port]); anything else is rejected before placement.</summary>
    public List<string> AllowedRegistries { get; set; } = ["127.0.0.1:5000"];
    public int MaxLearners { get; set; } = 100;
    public ActorResources DefaultAggregatorResources { get; set; } = new() { CpuMillis = 250, MemoryMb = 256 };
    public ActorResources DefaultLearnerResources { get; set; } = new() { CpuMillis = 500, MemoryMb = 512 };
    /// <summary>A node whose heartbeats stop for this long is no longer placed on.</summary>
    public TimeSpan NodeGrace { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>The tracking server aggregators log to, passed as FLOPS_TRACKING_URL.</summary>
    public string? TrackingUrl { get; set; }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using FlopsBus.Hosting;

namespace FlopsBus.Planner;

/// <summary>How long placement decisions take, as a span and a histogram.</summary>
public static class PlannerTelemetry
{
    private static readonly Histogram<double> PlacementDuration =
        FlopsTelemetry.Meter.CreateHistogram<double>("flops.placement.duration", "ms", "Time to place one project");

    public static PlacementDecision TimePlacement(Guid projectId, Func<PlacementDecision> place)
    {
        using var span = FlopsTelemetry.Source.StartActivity("placement");
        span?.SetTag("flops.project", projectId);
        var started = Stopwatch.GetTimestamp();
        var decision = place();
        PlacementDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        span?.SetTag("flops.placement.outcome", decision.FailureCode ?? "placed");
        return decision;
    }
}

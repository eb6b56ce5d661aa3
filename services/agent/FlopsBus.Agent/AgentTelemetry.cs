using System.Diagnostics.Metrics;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

public static class AgentTelemetry
{
    public static readonly Histogram<double> PullDuration =
        FlopsTelemetry.Meter.CreateHistogram<double>("flops.pull.duration", "ms", "Time to have an actor's image on the node");
}

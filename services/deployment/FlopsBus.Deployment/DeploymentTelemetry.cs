using System.Diagnostics.Metrics;
using FlopsBus.Hosting;

namespace FlopsBus.Deployment;

public static class DeploymentTelemetry
{
    public static readonly Histogram<double> TimeToReady =
        FlopsTelemetry.Meter.CreateHistogram<double>("flops.project.time_to_ready", "ms", "From placement to READY");
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FlopsBus.Hosting;

/// <summary>The activity source and meter every FlopsBus component reports through.</summary>
public static class FlopsTelemetry
{
    public const string Name = "FlopsBus";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);
}

public static class TelemetryRegistration
{
    /// <summary>
    /// Traces and metrics from MassTransit and FlopsBus. Exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
    /// is set, to the console when Telemetry:Console is true; otherwise metrics are collected for /metrics and
    /// in-process listeners, and spans only for an in-process listener that asks for them.
    /// </summary>
    public static IServiceCollection AddFlopsTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var console = configuration.GetValue<bool>("Telemetry:Console");

        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(serviceName));
        // Only where spans go somewhere: a tracer provider samples and records every span of every message (MassTransit
        // tags each with a dozen attributes), work thrown away when nothing exports them. A test's own ActivityListener
        // still gets every span: the sources report to any listener.
        if (otlp || console)
            telemetry.WithTracing(t =>
            {
                t.AddSource(DiagnosticHeaders.DefaultListenerName, FlopsTelemetry.Name);
                if (otlp) t.AddOtlpExporter();
                if (console) t.AddConsoleExporter();
            });
        telemetry.WithMetrics(m =>
        {
            m.AddMeter(InstrumentationOptions.MeterName, FlopsTelemetry.Name);
            if (otlp) m.AddOtlpExporter();
            if (console) m.AddConsoleExporter();
        });
        return services;
    }
}

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
    /// is set, to the console when Telemetry:Console is true, otherwise collected for in-process listeners only.
    /// </summary>
    public static IServiceCollection AddFlopsTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var console = configuration.GetValue<bool>("Telemetry:Console");

        // Tracing even with no exporter: the tracer provider is what makes MassTransit start its activities, which carry
        // a deployment's trace id into the log scopes (JSON logs) and on to the next service in the message headers.
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t =>
            {
                t.AddSource(DiagnosticHeaders.DefaultListenerName, FlopsTelemetry.Name);
                if (otlp) t.AddOtlpExporter();
                if (console) t.AddConsoleExporter();
            })
            .WithMetrics(m =>
            {
                m.AddMeter(InstrumentationOptions.MeterName, FlopsTelemetry.Name);
                if (otlp) m.AddOtlpExporter();
                if (console) m.AddConsoleExporter();
            });
        return services;
    }
}

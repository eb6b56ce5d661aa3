using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;

namespace FlopsBus.Hosting;

public static class FlopsHost
{
    /// <summary>
    /// A service host (planner, saga, agent): the shared defaults, plus a health endpoint at /health on
    /// Health:Url (loopback and a free port unless configured), reporting the bus among others, metrics for
    /// Prometheus at /metrics on the same address, and the
    /// <see cref="BusWatchdog"/> that restarts a service whose bus stays unhealthy.
    /// </summary>
    public static WebApplicationBuilder CreateServiceBuilder(string[] args, string serviceName)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        ApplyDefaults(builder, args, serviceName);
        builder.Services.AddHealthChecks();
        // Beside OTLP: Prometheus scrapes /metrics on the same address as /health.
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddPrometheusExporter());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<BusWatchdog>();
        builder.WebHost.UseUrls(builder.Configuration["Health:Url"] ?? "http://127.0.0.1:0");
        return builder;
    }

    public static void Run(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealth });
        app.MapPrometheusScrapingEndpoint();
        app.Run();
    }

    /// <summary>
    /// "Healthy", or the overall status followed by what is not healthy and why, e.g. "Degraded: database (Failed to
    /// connect to 127.0.0.1:5432)": an operator sees which dependency it is without reading logs.
    /// </summary>
    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain";
        var unhealthy = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy)
            .Select(e => $"{e.Key} ({e.Value.Description ?? e.Value.Exception?.Message ?? e.Value.Status.ToString()})");
        return context.Response.WriteAsync(report.Status == HealthStatus.Healthy ? "Healthy" : $"{report.Status}: {string.Join("; ", unhealthy)}");
    }

    /// <summary>A plain host with the shared defaults and no endpoint of its own (the CLI).</summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, string serviceName)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        ApplyDefaults(builder, args, serviceName);
        return builder;
    }

    /// <summary>
    /// What every FlopsBus process shares: configuration from appsettings beside the binary (a service started
    /// from another folder must still find it), the settings file named by FLOPS_SETTINGS_FILE (an account's, as
    /// <c>flops node add --settings-file</c> writes it), the environment (FLOPS_ prefixed too, e.g.
    /// FLOPS_Bus__Host), the command line, and telemetry.
    /// </summary>
    private static void ApplyDefaults(IHostApplicationBuilder builder, string[] args, string serviceName)
    {
        if (Environment.GetEnvironmentVariable(AccountSettings.FileVariable) is { Length: > 0 } settingsFile)
            builder.Configuration.AddJsonFile(settingsFile, optional: false);
        builder.Configuration.AddEnvironmentVariables("FLOPS_");
        builder.Configuration.AddCommandLine(args);
        builder.Services.AddFlopsTelemetry(builder.Configuration, serviceName);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
            UseJsonLogs(builder);
    }

    /// <summary>
    /// Logging:Format=json: one JSON object a line, with the trace and span ids of the activity (a deployment's trace)
    /// and the scopes, so a line about a deployment carries its ProjectId (<see cref="ProjectLogScope{T}"/>).
    /// </summary>
    private static void UseJsonLogs(IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "O";
        });
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        // Over a formatter named in configuration (Logging:Console:FormatterName): the format asked for wins.
        builder.Services.PostConfigure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Json);
    }
}

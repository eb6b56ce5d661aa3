using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FlopsBus.Hosting;

public static class FlopsHost
{
    /// <summary>
    /// A host builder with the defaults every FlopsBus service shares: configuration from appsettings,
    /// environment (FLOPS_ prefixed too, e.g. FLOPS_Bus__Host) and the command line, and telemetry.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, string serviceName)
    {
        // appsettings.json sits beside the binary; a service started from another folder must still find it.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("FLOPS_");
        builder.Configuration.AddCommandLine(args);
        builder.Services.AddFlopsTelemetry(builder.Configuration, serviceName);
        return builder;
    }
}

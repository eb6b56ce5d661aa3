using FlopsBus.Deployment;
using FlopsBus.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

var builder = FlopsHost.CreateServiceBuilder(args, "flops-deployment");
var connectionString = builder.Configuration.GetConnectionString("Deployment");
if (string.IsNullOrWhiteSpace(connectionString))
    throw new InvalidOperationException("ConnectionStrings:Deployment (the saga's PostgreSQL database) is not set.");
var options = builder.Configuration.GetSection(DeploymentOptions.Section).Get<DeploymentOptions>() ?? new DeploymentOptions();
builder.Services.AddFlopsBus(builder.Configuration, bus => bus.AddDeploymentSaga(connectionString, options));
// While PostgreSQL does not answer the host is Degraded, naming it; messages wait (see DatabaseOutages).
builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "database", failureStatus: HealthStatus.Degraded, timeout: TimeSpan.FromSeconds(3));
FlopsHost.Run(builder);

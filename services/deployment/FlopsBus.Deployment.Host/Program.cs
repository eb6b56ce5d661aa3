using FlopsBus.Deployment;
using FlopsBus.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

var builder = FlopsHost.CreateServiceBuilder(args, "flops-deployment");
var connectionString = builder.Configuration.GetConnectionString("Deployment");
if (string.IsNullOrWhiteSpace(connectionString))
    throw new InvalidOperationException("ConnectionStrings:Deployment (the saga's PostgreSQL database) is not set.");
builder.Services.AddFlopsBus(builder.Configuration, bus => bus.AddDeploymentSaga(connectionString));
FlopsHost.Run(builder);

using FlopsBus.Deployment;
using FlopsBus.Hosting;
using Microsoft.Extensions.Hosting;

var builder = FlopsHost.CreateBuilder(args, "flops-deployment");
builder.Services.AddFlopsBus(builder.Configuration, bus => bus.AddDeploymentSaga());
builder.Build().Run();

using FlopsBus.Hosting;
using FlopsBus.Planner;
using Microsoft.Extensions.Hosting;

var builder = FlopsHost.CreateServiceBuilder(args, "flops-planner");
builder.Services.AddPlannerServices(builder.Configuration);
builder.Services.AddFlopsBus(builder.Configuration, bus => bus.AddPlanner());
FlopsHost.Run(builder);

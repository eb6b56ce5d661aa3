using FlopsBus.Agent;
using FlopsBus.Hosting;
using Microsoft.Extensions.Hosting;

var builder = FlopsHost.CreateServiceBuilder(args, "flops-agent");
builder.Services.AddNodeAgent(AgentOptions.From(builder.Configuration));
builder.Services.AddFlopsBus(builder.Configuration, _ => { }, (context, cfg) => cfg.ConfigureNodeAgentEndpoints(context));
FlopsHost.Run(builder);

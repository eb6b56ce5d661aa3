using FlopsBus.Agent;
using FlopsBus.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

var builder = FlopsHost.CreateBuilder(args, "flops-agent");
var options = builder.Configuration.GetSection(AgentOptions.Section).Get<AgentOptions>() ?? new AgentOptions();
builder.Services.AddNodeAgent(options);
builder.Services.AddFlopsBus(builder.Configuration, _ => { }, (context, cfg) => cfg.ConfigureNodeAgentEndpoints(context));
builder.Build().Run();

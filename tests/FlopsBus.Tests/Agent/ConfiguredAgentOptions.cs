using FlopsBus.Agent;
using Microsoft.Extensions.Configuration;

namespace FlopsBus.Tests.Agent;

/// <summary>The agent's options as a host reads them from configuration keys ("Agent:...").</summary>
public static class ConfiguredAgentOptions
{
    public static AgentOptions From(Dictionary<string, string?> settings) =>
        AgentOptions.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}

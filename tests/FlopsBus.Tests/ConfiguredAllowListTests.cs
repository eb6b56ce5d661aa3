using FlopsBus.Agent;
using FlopsBus.Planner;
using Microsoft.Extensions.Configuration;

namespace FlopsBus.Tests;

/// <summary>A configured registry allow-list replaces the default one, rather than adding to it.</summary>
public class ConfiguredAllowListTests
{
    private static IConfiguration Config(string section) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { [$"{section}:AllowedRegistries:0"] = "registry.example.com" })
        .Build();

    [Fact]
    public void The_planner_allows_only_the_configured_registries() =>
        Assert.Equal(["registry.example.com"], PlannerOptions.From(Config(PlannerOptions.Section)).AllowedRegistries);

    [Fact]
    public void The_agent_allows_only_the_configured_registries() =>
        Assert.Equal(["registry.example.com"], AgentOptions.From(Config(AgentOptions.Section)).AllowedRegistries);

    [Fact]
    public void Without_configuration_the_local_registry_is_allowed() =>
        Assert.Equal(["127.0.0.1:5000"], PlannerOptions.From(new ConfigurationBuilder().Build()).AllowedRegistries);
}

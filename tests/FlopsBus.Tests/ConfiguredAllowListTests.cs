using FlopsBus.Agent;
using FlopsBus.Planner;
using Microsoft.Extensions.Configuration;

namespace FlopsBus.Tests;

/// <summary>A configured registry allow-list replaces the default one, rather than adding to it.</summary>
public class ConfiguredAllowListTests
{
    private static IConfiguration Config(string section, string? trackingImage = "registry.example.com/flops/tracking:1") => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{section}:AllowedRegistries:0"] = "registry.example.com",
            [$"{section}:TrackingImage"] = trackingImage,
        })
        .Build();

    [Fact]
    public void The_planner_allows_only_the_configured_registries() =>
        Assert.Equal(["registry.example.com"], PlannerOptions.From(Config(PlannerOptions.Section)).AllowedRegistries);

    [Fact]
    public void A_tracking_image_from_a_registry_not_allowed_stops_the_planner_with_the_key_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PlannerOptions.From(Config(PlannerOptions.Section, "127.0.0.1:5000/flops/sample-tracking:1")));
        Assert.Equal("Planner:TrackingImage '127.0.0.1:5000/flops/sample-tracking:1' is from registry '127.0.0.1:5000', " +
                     "which is not in Planner:AllowedRegistries (registry.example.com).", error.Message);
    }

    [Fact]
    public void The_agent_allows_only_the_configured_registries() =>
        Assert.Equal(["registry.example.com"], AgentOptions.From(Config(AgentOptions.Section)).AllowedRegistries);

    [Fact]
    public void Without_configuration_the_local_registry_is_allowed() =>
        Assert.Equal(["127.0.0.1:5000"], PlannerOptions.From(new ConfigurationBuilder().Build()).AllowedRegistries);
}

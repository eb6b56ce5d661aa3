using FlopsBus.Agent;
using Microsoft.Extensions.Configuration;

namespace FlopsBus.Tests.Agent;

public class RegistryCredentialTests
{
    [Fact]
    public void A_registry_with_a_port_is_one_key_though_its_colon_is_the_configuration_separator()
    {
        var options = ConfiguredAgentOptions.From(new()
        {
            ["Agent:NodeId"] = "n1",
            ["Agent:RegistryCredentials:127.0.0.1:5000:Username"] = "flops",
            ["Agent:RegistryCredentials:127.0.0.1:5000:Password"] = "s3cret",
            ["Agent:RegistryCredentials:registry.example.com:Username"] = "team",
            ["Agent:RegistryCredentials:registry.example.com:Password"] = "other",
        });

        Assert.Equal("n1", options.NodeId);
        Assert.Equal(["127.0.0.1:5000", "registry.example.com"], options.RegistryCredentials.Keys.Order());
        Assert.Equal(("flops", "s3cret"), (options.RegistryCredentials["127.0.0.1:5000"].Username, options.RegistryCredentials["127.0.0.1:5000"].Password));
        Assert.Equal("team", options.RegistryCredentials["REGISTRY.example.com"].Username);
    }

    [Fact]
    public void Environment_variables_name_the_same_keys_with_double_underscores()
    {
        var prefix = $"FLOPSTEST{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "Agent__RegistryCredentials__127.0.0.1:5000__Username", "flops");
        try
        {
            var options = AgentOptions.From(new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build());
            Assert.Equal("flops", options.RegistryCredentials["127.0.0.1:5000"].Username);
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "Agent__RegistryCredentials__127.0.0.1:5000__Username", null);
        }
    }

    [Fact]
    public void A_credential_never_shows_its_password() =>
        Assert.DoesNotContain("s3cret", new RegistryCredential { Username = "flops", Password = "s3cret" }.ToString());

    [Fact]
    public void No_credentials_is_an_empty_table() => Assert.Empty(ConfiguredAgentOptions.From(new()).RegistryCredentials);
}

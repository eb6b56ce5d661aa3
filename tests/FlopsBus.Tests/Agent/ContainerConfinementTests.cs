using FlopsBus.Agent;
using FlopsBus.Contracts;

namespace FlopsBus.Tests.Agent;

public class ContainerConfinementTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("root")]
    [InlineData("0")]
    [InlineData("0:0")]
    [InlineData("root:staff")]
    public void An_image_that_would_run_as_root_runs_as_the_configured_user(string? imageUser)
    {
        Assert.Equal("65534:65534", new ContainerConfinement().UserFor(imageUser));
    }

    [Theory]
    [InlineData("1000")]
    [InlineData("mlflow:mlflow")]
    public void An_image_s_own_user_other_than_root_is_kept(string imageUser)
    {
        Assert.Equal(imageUser, new ContainerConfinement().UserFor(imageUser));
    }

    [Fact]
    public void A_role_s_section_overrides_the_configured_defaults_and_keeps_the_rest()
    {
        var options = ConfiguredAgentOptions.From(new()
        {
            ["Agent:Confinement:PidsLimit"] = "128",
            ["Agent:Confinement:UserInsteadOfRoot"] = "2000:2000",
            ["Agent:RoleConfinement:tracking-server:PidsLimit"] = "1024",
            ["Agent:RoleConfinement:tracking-server:ReadOnlyRootFilesystem"] = "false",
        });

        var tracking = options.ConfinementFor(ActorRoles.TrackingServer);
        var learner = options.ConfinementFor(ActorRoles.Learner);

        Assert.Equal((1024L, false, "2000:2000", "64m"), (tracking.PidsLimit, tracking.ReadOnlyRootFilesystem, tracking.UserInsteadOfRoot, tracking.TmpSize));
        Assert.Equal((128L, true, "2000:2000"), (learner.PidsLimit, learner.ReadOnlyRootFilesystem, learner.UserInsteadOfRoot));
    }

    [Fact]
    public void Without_configuration_every_role_is_confined_by_the_defaults()
    {
        var confinement = ConfiguredAgentOptions.From([]).ConfinementFor(ActorRoles.Aggregator);

        Assert.Equal((256L, true, "64m", "65534:65534"), (confinement.PidsLimit, confinement.ReadOnlyRootFilesystem, confinement.TmpSize, confinement.UserInsteadOfRoot));
    }
}

using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Tests.Agent;

public class ActorProtocolTests
{
    private static readonly ActorResources Resources = new() { CpuMillis = 500, MemoryMb = 256 };

    private static DeployActor Command(string role) => new()
    {
        NodeId = "node-2",
        Actor = new ActorSpec
        {
        ProjectId = Guid.NewGuid(), ActorId = Guid.NewGuid(), Role = role, Instance = 3, CustomerId = "acme",
        Image = "127.0.0.1:5000/flops/sample-learner:1", Resources = Resources,
        ListenPort = role == ActorRoles.Aggregator ? 41007 : null,
        AggregatorEndpoint = role == ActorRoles.Aggregator ? null : "127.0.0.1:41007",
        DataTags = role == ActorRoles.Learner ? ["mnist", "cifar"] : [],
        MinLearners = role == ActorRoles.Aggregator ? 2 : 0,
        TrackingUrl = role == ActorRoles.Aggregator ? "http://127.0.0.1:5001" : null,
        },
    };

    private static ActorLaunch Launch(DeployActor command) =>
        ActorProtocol.Launch(command.Actor, ImageReference.TryParse(command.Actor.Image, out var image) ? image : null!, command.NodeId, "/srv/data");

    [Fact]
    public void A_learner_gets_its_aggregator_its_data_tags_and_the_node_s_data()
    {
        var launch = Launch(Command(ActorRoles.Learner));

        Assert.Equal("127.0.0.1:41007", launch.Environment[ActorProtocol.Aggregator]);
        Assert.Equal("mnist,cifar", launch.Environment[ActorProtocol.DataTags]);
        Assert.Equal("/srv/data", launch.DataDir);
        Assert.DoesNotContain(ActorProtocol.ListenPort, launch.Environment.Keys);
    }

    [Fact]
    public void An_aggregator_gets_its_port_and_no_data()
    {
        var launch = Launch(Command(ActorRoles.Aggregator));

        Assert.Equal("41007", launch.Environment[ActorProtocol.ListenPort]);
        Assert.Equal("2", launch.Environment[ActorProtocol.MinLearners]);
        Assert.Null(launch.DataDir);
    }

    [Theory]
    [InlineData(ActorRoles.Aggregator)]
    [InlineData(ActorRoles.Learner)]
    public void The_command_reads_back_from_what_the_container_carries(string role)
    {
        var command = Command(role);
        var launch = Launch(command);

        var read = ActorProtocol.ReadBack(launch.Labels, launch.Environment, command.Actor.Image, Resources);

        Assert.NotNull(read);
        // Records compare lists by reference: compare the tags on their own.
        string[] none = [];
        Assert.Equal(command.Actor with { DataTags = none }, read with { DataTags = none });
        Assert.Equal(command.Actor.DataTags, read.DataTags);
        Assert.Equal($"flops-{command.Actor.ActorId:N}", launch.Name);
    }

    [Fact]
    public void A_container_someone_labelled_by_hand_is_not_an_actor() =>
        Assert.Null(ActorProtocol.ReadBack(new Dictionary<string, string> { [Labels.Node] = "node-2" }, new Dictionary<string, string>(), "x:1", Resources));
}

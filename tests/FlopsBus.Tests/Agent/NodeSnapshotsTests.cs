using FlopsBus.Agent;
using FlopsBus.Contracts;

namespace FlopsBus.Tests.Agent;

public class NodeSnapshotsTests
{
    private readonly NodeActors _actors = new();
    private readonly NodeSnapshots _snapshots;

    public NodeSnapshotsTests() =>
        _snapshots = new NodeSnapshots(new AgentOptions { NodeId = "node-7", CpuMillis = 4000, MemoryMb = 4096 }, new FakeActorRuntime(), _actors);

    private static ActorSpec Learner() => new()
    {
        ActorId = Guid.NewGuid(), Role = ActorRoles.Learner, Image = "r/l:1", Resources = new ActorResources { CpuMillis = 500, MemoryMb = 512 },
    };

    [Fact]
    public async Task The_revision_moves_on_when_what_the_node_holds_changes_and_only_then()
    {
        var first = await _snapshots.Take(CancellationToken.None);
        var again = await _snapshots.Take(CancellationToken.None);
        var learner = Learner();
        _actors.Deploying[learner.ActorId] = (learner, new CancellationTokenSource());
        var deploying = await _snapshots.Take(CancellationToken.None);
        var stillDeploying = await _snapshots.Take(CancellationToken.None);
        _actors.Deploying.TryRemove(learner.ActorId, out _);
        var gone = await _snapshots.Take(CancellationToken.None);

        Assert.Equal(first.Revision, again.Revision);
        Assert.NotEqual(first.Revision, deploying.Revision);
        Assert.Equal(deploying.Revision, stillDeploying.Revision);
        Assert.Equal(3500, deploying.Free.CpuMillis);
        Assert.NotEqual(deploying.Revision, gone.Revision);
        Assert.Equal((4000, 0), (gone.Free.CpuMillis, gone.Actors.Count));
    }
}

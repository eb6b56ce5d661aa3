using FlopsBus.Cli;
using FlopsBus.Contracts;

namespace FlopsBus.Tests;

public sealed class ActorStatusTextTests
{
    private static ActorStatus Pulling(long? bytes, long? total) => new()
    {
        Role = ActorRoles.Learner, Status = ActorStatuses.Pulling, PullBytes = bytes, PullBytesTotal = total,
    };

    [Theory]
    [InlineData(51_000_000L, null, "PULLING 51 MB")]                        // some layer has not said its size yet
    [InlineData(176_400_000L, 368_187_000L, "PULLING 176/368 MB")]
    [InlineData(368_187_000L, 368_187_000L, "PULLING 368 MB, unpacking")]   // every byte there: the engine unpacks
    public void A_pull_under_way_shows_its_megabytes_of_the_total_once_known(long bytes, long? total, string shown) =>
        Assert.Equal(shown, ActorStatusText.Of(Pulling(bytes, total)));

    [Fact]
    public void Any_other_status_is_shown_as_it_is() =>
        Assert.Equal(ActorStatuses.Connected, ActorStatusText.Of(new ActorStatus { Role = ActorRoles.Learner, Status = ActorStatuses.Connected }));
}

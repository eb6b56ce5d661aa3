using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;
using static FlopsBus.IntegrationTests.NodeImages.NodeEnginePulls;

namespace FlopsBus.IntegrationTests.NodeImages;

/// <summary>A node pulls from a registry over a slow link (1 MB/s) that hangs halfway: it stays open and carries nothing.</summary>
public sealed class When_a_pull_stalls : IAsyncLifetime
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(3);
    private readonly TcpRelay _link = new("127.0.0.1", int.Parse(TestEnvironment.Registry.Split(':')[1]), bitsPerSecond: 8_000_000);
    private string _image = null!;

    public async Task InitializeAsync()
    {
        var fresh = await TestImages.WithFreshLayer("flops/it-stall", 8 * 1024 * 1024);
        // The same image as the node sees it behind the link.
        _image = fresh.Replace(TestEnvironment.Registry, $"127.0.0.1:{_link.Port}");
    }

    [Fact]
    public async Task The_pull_fails_after_the_stall_timeout_with_a_reason_that_says_it_stalled()
    {
        using var node = Engine(1);
        using var puller = Puller(node, stallTimeout: StallTimeout);

        var pull = puller.PullAsync(Reference(_image), CancellationToken.None);
        while (puller.ProgressOf(Reference(_image)) is not { Bytes: > 0 } && !pull.IsCompleted)
            await Task.Delay(50);   // waiting for the first bytes of the layer to come over the link
        _link.Stall();

        var failure = await Assert.ThrowsAsync<ActorRuntimeException>(() => pull);
        Assert.Equal(FailureStages.Pull, failure.Stage);
        Assert.Contains("stalled", failure.Message);
        Assert.Contains($"nothing came over the wire for {StallTimeout.TotalSeconds:0} s", failure.Message);
    }

    public async Task DisposeAsync()
    {
        _link.Restore();
        using var node = Engine(1);
        await node.Forget(_image);
        await _link.DisposeAsync();
    }
}

using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Tests.Agent;

public sealed class PullSchedulerTests
{
    private static readonly PullPolicy Quick = new(MaxConcurrentPulls: 2, Timeout: TimeSpan.FromSeconds(30), Attempts: 3, FirstRetryDelay: TimeSpan.FromMilliseconds(1));
    private static readonly PullResult Pulled = new("sha256:abc", AlreadyCached: false);

    private static ImageReference Image(string name) => ImageReference.TryParse($"127.0.0.1:5000/flops/{name}:1", out var image) ? image : throw new ArgumentException(name);

    [Fact]
    public async Task An_unreachable_registry_is_tried_as_often_as_the_policy_says_and_then_named()
    {
        using var scheduler = new PullScheduler(Quick);
        var attempts = 0;

        var failure = await Assert.ThrowsAsync<ActorRuntimeException>(() => scheduler.PullAsync(Image("x"), _ =>
        {
            attempts++;
            throw new PullFailure("registry 127.0.0.1:5999 unreachable", "connection refused", transient: true);
        }, CancellationToken.None));

        Assert.Equal(3, attempts);
        Assert.Equal(FailureStages.Pull, failure.Stage);
        Assert.Equal("registry 127.0.0.1:5999 unreachable after 3 attempts: connection refused", failure.Message);
    }

    [Fact]
    public async Task A_transient_failure_that_passes_costs_one_more_attempt()
    {
        using var scheduler = new PullScheduler(Quick);
        var attempts = 0;

        var result = await scheduler.PullAsync(Image("x"), _ => ++attempts == 1
            ? throw new PullFailure("registry unreachable", "connection reset by peer", transient: true)
            : Task.FromResult(Pulled), CancellationToken.None);

        Assert.Equal(Pulled, result);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_missing_image_is_tried_once()
    {
        using var scheduler = new PullScheduler(Quick);
        var attempts = 0;

        var failure = await Assert.ThrowsAsync<ActorRuntimeException>(() => scheduler.PullAsync(Image("nope"), _ =>
        {
            attempts++;
            throw new PullFailure("image 127.0.0.1:5000/flops/nope:1 not found in registry 127.0.0.1:5000", "manifest unknown", transient: false);
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.Equal("image 127.0.0.1:5000/flops/nope:1 not found in registry 127.0.0.1:5000 (manifest unknown)", failure.Message);
    }

    [Fact]
    public async Task Actors_that_want_the_same_image_share_one_pull()
    {
        using var scheduler = new PullScheduler(Quick);
        var transfer = new TaskCompletionSource<PullResult>();
        var attempts = 0;
        Task<PullResult> Pull() => scheduler.PullAsync(Image("shared"), _ => { Interlocked.Increment(ref attempts); return transfer.Task; }, CancellationToken.None);

        var first = Pull();
        var second = Pull();
        transfer.SetResult(Pulled);

        Assert.Equal([Pulled, Pulled], await Task.WhenAll(first, second));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task No_more_images_than_the_policy_allows_are_pulled_at_once()
    {
        using var scheduler = new PullScheduler(Quick);
        var transfers = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource<PullResult>()).ToArray();
        var started = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource()).ToArray();
        var pulls = Enumerable.Range(0, 3).Select(i => scheduler.PullAsync(Image($"image-{i}"), _ =>
        {
            started[i].SetResult();
            return transfers[i].Task;
        }, CancellationToken.None)).ToArray();

        await Task.WhenAll(started[0].Task, started[1].Task);
        Assert.False(started[2].Task.IsCompleted, "a third pull began while two held both slots");
        transfers[0].SetResult(Pulled);
        await started[2].Task;
        transfers[1].SetResult(Pulled);
        transfers[2].SetResult(Pulled);
        await Task.WhenAll(pulls);
    }

    [Fact]
    public async Task A_pull_that_hangs_gives_up_at_the_timeout()
    {
        using var scheduler = new PullScheduler(Quick with { Timeout = TimeSpan.FromMilliseconds(200) });

        var failure = await Assert.ThrowsAsync<ActorRuntimeException>(() => scheduler.PullAsync(Image("slow"), async cancel =>
        {
            await Task.Delay(Timeout.Infinite, cancel);
            return Pulled;
        }, CancellationToken.None));

        Assert.Equal("pulling 127.0.0.1:5000/flops/slow:1 timed out after 0.2 s (attempt 1 of 3)", failure.Message);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_the_shared_pull_to_the_others()
    {
        using var scheduler = new PullScheduler(Quick);
        var transfer = new TaskCompletionSource<PullResult>();
        using var impatient = new CancellationTokenSource();

        var first = scheduler.PullAsync(Image("shared"), _ => transfer.Task, impatient.Token);
        var second = scheduler.PullAsync(Image("shared"), _ => transfer.Task, CancellationToken.None);
        await impatient.CancelAsync();
        transfer.SetResult(Pulled);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(Pulled, await second);
    }
}

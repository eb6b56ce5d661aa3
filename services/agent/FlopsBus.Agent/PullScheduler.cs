using System.Collections.Concurrent;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>How a node pulls: how many images at once, how often and how patiently.</summary>
public sealed record PullPolicy(int MaxConcurrentPulls, TimeSpan Timeout, int Attempts, TimeSpan FirstRetryDelay)
{
    public static PullPolicy From(AgentOptions options) =>
        new(Math.Max(1, options.MaxConcurrentPulls), options.PullTimeout, Math.Max(1, options.PullAttempts), options.PullRetryDelay);
}

/// <summary>
/// Runs pulls under the node's <see cref="PullPolicy"/>: actors that want the same image share one pull, at most
/// <see cref="PullPolicy.MaxConcurrentPulls"/> images are pulled at once (a node's link and disk are shared by all of
/// them), a transient failure is retried with exponentially growing waits, and a pull that has its slot gives up
/// after <see cref="PullPolicy.Timeout"/>, retries included. Every failure leaves as an
/// <see cref="ActorRuntimeException"/> of stage pull whose reason says which failure it was.
/// </summary>
public sealed class PullScheduler(PullPolicy policy) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(policy.MaxConcurrentPulls, policy.MaxConcurrentPulls);
    private readonly ConcurrentDictionary<string, Lazy<Task<PullResult>>> _inFlight = new();
    // A shared pull outlives the wait of whoever started it; only the agent going away ends it early.
    private readonly CancellationTokenSource _stopping = new();

    public Task<PullResult> PullAsync(ImageReference image, Func<CancellationToken, Task<PullResult>> attempt, CancellationToken cancellationToken)
    {
        var key = image.ToString();
        var mine = new Lazy<Task<PullResult>>(() => Run(image, attempt));
        var shared = _inFlight.GetOrAdd(key, mine);
        var pull = shared.Value;
        if (ReferenceEquals(shared, mine))
            _ = pull.ContinueWith(_ => _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<PullResult>>>(key, mine)), TaskScheduler.Default);
        return pull.WaitAsync(cancellationToken);
    }

    private async Task<PullResult> Run(ImageReference image, Func<CancellationToken, Task<PullResult>> attempt)
    {
        await _slots.WaitAsync(_stopping.Token);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(policy.Timeout);
        PullFailure? lastTransient = null;
        var attempts = 0;
        try
        {
            var delay = policy.FirstRetryDelay;
            while (true)
            {
                attempts++;
                try
                {
                    return await attempt(deadline.Token);
                }
                catch (PullFailure failure) when (failure.Transient && attempts < policy.Attempts)
                {
                    lastTransient = failure;
                }
                await Task.Delay(delay, deadline.Token);
                delay *= 2;
            }
        }
        catch (PullFailure failure)
        {
            throw new ActorRuntimeException(FailureStages.Pull, failure.Transient
                ? $"{failure.What} after {attempts} attempt{(attempts == 1 ? "" : "s")}: {failure.Cause}"
                : $"{failure.What} ({failure.Cause})", failure);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            var last = lastTransient is null ? "" : $"; before that, {lastTransient.What}: {lastTransient.Cause}";
            throw new ActorRuntimeException(FailureStages.Pull,
                $"pulling {image} timed out after {policy.Timeout.TotalSeconds:0.#} s (attempt {attempts} of {policy.Attempts}){last}", e);
        }
        finally
        {
            _slots.Release();
        }
    }

    // Cancelled, not disposed: a pull still winding down links its deadline to it.
    public void Dispose() => _stopping.Cancel();
}

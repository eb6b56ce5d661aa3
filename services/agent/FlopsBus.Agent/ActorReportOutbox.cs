using System.Diagnostics;
using System.Threading.Channels;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FlopsBus.Agent;

/// <summary>
/// Delivers the agent's reports on its actors (<see cref="ActorReports"/>) one after another, in the order they were
/// posted, through the bus and until the broker takes each. These are facts nobody else can know, and they must not
/// share the fate of the command that caused them: MassTransit cancels a command's consume context the moment its
/// channel dies, and publishes through that context travel on that very channel, so a report sent that way was lost
/// with it, and only the command's redelivery, to an endpoint MassTransit may not restore after an outage, could
/// bring it back. Here only the agent's stop ends the tries. One queue per agent keeps each actor's facts in order:
/// pulled before started, started before data fetched, everything before removed.
/// </summary>
public sealed class ActorReportOutbox(Func<IPublishEndpoint> bus, TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>
    /// How long one attempt may take. MassTransit holds a publish while its connection is down and sends it once the
    /// connection is back; on a connection that never comes back (a cut link, a half-open socket) it would hold it for
    /// good, and every report behind it too. An attempt given up is made again on whatever connection there is then.
    /// </summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    private sealed record PendingReport(object Fact, ActivityContext Cause)
    {
        public TaskCompletionSource Delivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Channel<PendingReport> _pending = Channel.CreateUnbounded<PendingReport>(new UnboundedChannelOptions { SingleReader = true });

    // Polly's retry rather than MassTransit's retry policies, which are made for consumers and precompute every
    // interval, no use for "until delivered". The wait between tries grows to 10 s.
    private readonly ResiliencePipeline _untilDelivered = new ResiliencePipelineBuilder { TimeProvider = clock }
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(10),
            // Cancellations too: MassTransit cancels a send itself when its channel closes. Retrying stops anyway once
            // the token the pipeline runs with, the agent's stop, is cancelled.
            ShouldHandle = new PredicateBuilder().Handle<Exception>(),
            OnRetry = args =>
            {
                // Once per report: an outage would otherwise log every report every 10 s.
                if (args.AttemptNumber == 0)
                    logger.LogWarning("A report was not taken by the broker ({Reason}); trying again until it is", args.Outcome.Exception?.Message);
                return ValueTask.CompletedTask;
            },
        })
        .AddTimeout(AttemptTimeout)
        .Build();

    /// <summary>
    /// Queues <paramref name="fact"/> (published as its own type) behind every report posted before it. The task
    /// completes once the broker has it; cancelling a wait on it leaves the delivery be. It is cancelled if the agent
    /// stops first.
    /// </summary>
    public Task Post(object fact)
    {
        var report = new PendingReport(fact, Activity.Current?.Context ?? default);
        return _pending.Writer.TryWrite(report) ? report.Delivered.Task : Task.FromCanceled(new CancellationToken(canceled: true));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                // A report leaves the queue once delivered, so that a stop finds it there with those behind it.
                while (_pending.Reader.TryPeek(out var report))
                {
                    await Deliver(report, stoppingToken);
                    _pending.Reader.TryRead(out _);
                    report.Delivered.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent stops. What it has not delivered goes with it; the next agent of the node reports its actors
            // again as it takes them back.
        }
        finally
        {
            _pending.Writer.TryComplete();
            while (_pending.Reader.TryRead(out var undelivered))
                undelivered.Delivered.TrySetCanceled();
        }
    }

    private async Task Deliver(PendingReport report, CancellationToken stoppingToken)
    {
        // The publish joins the trace of what caused the report (a DeployActor, a line of the actor's output); that
        // span may have ended by now, so a span of the delivery stands in for it.
        using var span = FlopsTelemetry.Source.StartActivity($"report {report.Fact.GetType().Name}", ActivityKind.Internal, report.Cause);
        // The attempt's timeout cancels the publish's token, and the wait on it ends then too: a publish that does not
        // heed its token (held on a connection MassTransit never gets back) would otherwise hold this report, and every
        // one behind it, for good. Left behind, it may still go out later: a report twice is harmless, its consumers
        // are idempotent.
        await _untilDelivered.ExecuteAsync(
            async token => await bus().Publish(report.Fact, report.Fact.GetType(), token).WaitAsync(AttemptTimeout, clock, token), stoppingToken);
    }
}

using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FlopsBus.Agent;

/// <summary>
/// How the agent's parts tell the bus about an actor: pulled, started, data fetched, connected, failed, removed.
/// These are facts nobody else can know, so each is published until the broker takes it: a broker outage delays
/// them and loses none (the wait between tries grows to 10 s; trying stops only when the caller gives up, as the
/// agent does when it stops or lets the actor go). Polly's retry rather than MassTransit's retry policies, which
/// are made for consumers and precompute every interval, no use for "until delivered".
/// </summary>
public static class ActorReports
{
    private static readonly ResiliencePipeline UntilDelivered = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(10),
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
        })
        .Build();

    /// <summary>Publishes <paramref name="message"/> (as its own type) until the broker takes it or <paramref name="cancellationToken"/> ends.</summary>
    public static async Task Deliver(IPublishEndpoint publish, object message, CancellationToken cancellationToken) =>
        await UntilDelivered.ExecuteAsync(
            async token => await publish.Publish(message, message.GetType(), token), cancellationToken);

    public static async Task Fail(IPublishEndpoint publish, ILogger logger, string nodeId, ActorSpec actor, string stage, string reason,
        int? exitCode = null, CancellationToken cancellationToken = default)
    {
        logger.LogWarning("Actor {ActorId} of project {ProjectId} failed at {Stage} on {NodeId}: {Reason}",
            actor.ActorId, actor.ProjectId, stage, nodeId, reason);
        await Deliver(publish, new ActorFailed
        {
            ProjectId = actor.ProjectId, ActorId = actor.ActorId, NodeId = nodeId, Stage = stage, Reason = reason, ExitCode = exitCode
        }, cancellationToken);
    }

    public static Task Started(IPublishEndpoint publish, string nodeId, RunningActor actor, CancellationToken cancellationToken) =>
        Deliver(publish, new ActorStarted
        {
            ProjectId = actor.Actor.ProjectId, ActorId = actor.Actor.ActorId, NodeId = nodeId,
            ContainerId = actor.ContainerId, Role = actor.Actor.Role, StartedAt = actor.StartedAt
        }, cancellationToken);
}

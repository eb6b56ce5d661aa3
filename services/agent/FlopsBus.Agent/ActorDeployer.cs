using System.Diagnostics;
using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// Turns DeployActor into a running actor: checks the command is this node's and the image allowed, pulls, starts,
/// reports, and hands the actor to the follower. A repeated command finds the actor running and reports again what
/// it has reported of it (the first report may have been lost with the broker, which is why the command came again);
/// one that comes after the actor's RemoveActor starts nothing.
/// The command is done once the broker has its reports, so that it is acknowledged only then. Its reports go out
/// through the agent's <see cref="ActorReportOutbox"/>, not the command's context: when the command is cancelled (its
/// channel died, or the bus stops) the deployment stops waiting for them, and they are delivered all the same.
/// </summary>
public sealed class ActorDeployer(AgentOptions options, IActorRuntime runtime, NodeActors actors, ActorOutputFollower follower,
    ActorReportOutbox reports, TimeProvider clock, ILogger<NodeAgent> logger)
{
    private string NodeId => options.NodeId;

    public async Task Deploy(DeployActor command, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        var actor = command.Actor;
        if (command.NodeId != NodeId)
        {
            await ActorReports.Fail(reports, logger, NodeId, actor, FailureStages.Create,
                $"DeployActor for node '{command.NodeId}' reached the agent of node '{NodeId}'; refused.").WaitAsync(cancellationToken);
            return;
        }
        // One deployment per actor at a time: a duplicate command waits and then finds the actor running.
        using var gate = await actors.Gates.Enter(actor.ActorId, cancellationToken);
        if (actors.Running.TryGetValue(actor.ActorId, out var running))
        {
            logger.LogInformation("Actor {ActorId} already runs on {NodeId}; repeated DeployActor answered with its reports again", actor.ActorId, NodeId);
            var reported = new List<Task> { ActorReports.Started(reports, NodeId, running) };
            reported.AddRange(running.Reported.Select(reports.Post));
            await Task.WhenAll(reported).WaitAsync(cancellationToken);
            return;
        }
        if (actors.Removed.Contains(actor.ActorId))
        {
            logger.LogWarning("Actor {ActorId} of project {ProjectId} was removed from {NodeId} already; a DeployActor after its RemoveActor starts nothing",
                actor.ActorId, actor.ProjectId, NodeId);
            return;
        }
        using var deployment = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        actors.Deploying[actor.ActorId] = (actor, deployment);
        try
        {
            await DeployOnce(actor, publish, deployment.Token);
        }
        catch (OperationCanceledException) when (deployment.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Deployment of actor {ActorId} called off: the actor is being removed", actor.ActorId);
        }
        finally
        {
            actors.Deploying.TryRemove(actor.ActorId, out _);
        }
    }

    private async Task DeployOnce(ActorSpec actor, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(actor.Image, out var image))
        {
            await ActorReports.Fail(reports, logger, NodeId, actor, FailureStages.Pull, $"'{actor.Image}' is not a valid image reference.")
                .WaitAsync(cancellationToken);
            return;
        }
        // Checked here, before the runtime is asked anything: a refused image costs no network call.
        if (!options.AllowedRegistries.Contains(image.Registry, StringComparer.OrdinalIgnoreCase))
        {
            await ActorReports.Fail(reports, logger, NodeId, actor, FailureStages.Pull,
                $"Image '{actor.Image}' is from registry '{image.Registry}', which this node does not allow (allowed: {string.Join(", ", options.AllowedRegistries)}).")
                .WaitAsync(cancellationToken);
            return;
        }

        var stage = FailureStages.Pull;
        StartResult started;
        Task pulledReported;
        try
        {
            using (var pullSpan = FlopsTelemetry.Source.StartActivity("actor pull"))
            {
                pullSpan?.SetTag("flops.image", actor.Image).SetTag("flops.project", actor.ProjectId).SetTag("flops.actor", actor.ActorId);
                var pullTime = Stopwatch.StartNew();
                var pulled = await ReportingProgress(runtime.PullAsync(image, cancellationToken), actor, image, publish, cancellationToken);
                AgentTelemetry.PullDuration.Record(pullTime.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("flops.cached", pulled.AlreadyCached));
                // Reported while the container is made: the broker's confirmation need not hold up the start.
                pulledReported = reports.Post(new ImagePulled
                {
                    ProjectId = actor.ProjectId, ActorId = actor.ActorId, NodeId = NodeId, Image = actor.Image,
                    Digest = pulled.Digest, Duration = pullTime.Elapsed, AlreadyCached = pulled.AlreadyCached,
                    BytesPulled = pulled.BytesPulled,
                });
            }

            stage = FailureStages.Start;
            using (FlopsTelemetry.Source.StartActivity("actor start")?.SetTag("flops.project", actor.ProjectId).SetTag("flops.actor", actor.ActorId))
                started = await runtime.StartAsync(ActorProtocol.Launch(actor, image, NodeId, options.DataDir), cancellationToken);
        }
        catch (ActorRuntimeException e)
        {
            await ActorReports.Fail(reports, logger, NodeId, actor, e.Stage, e.Message).WaitAsync(cancellationToken);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Actor {ActorId}: {Stage} failed", actor.ActorId, stage);
            await ActorReports.Fail(reports, logger, NodeId, actor, stage, $"{stage} failed: {e.Message}").WaitAsync(cancellationToken);
            return;
        }

        // Running from here on, whatever the broker does: the reports wait for it, the actor does not.
        var running = new RunningActor(actor, started.ContainerId, started.StartedAt);
        actors.Running[actor.ActorId] = running;
        logger.LogInformation("Actor {ActorId} ({Role} {Instance}) of project {ProjectId} running on {NodeId} as {ContainerId}",
            actor.ActorId, actor.Role, actor.Instance, actor.ProjectId, NodeId, started.ContainerId);
        // Posted before the follower starts, so that what the actor's output tells comes after it.
        var startedReported = ActorReports.Started(reports, NodeId, running);
        follower.Start(running);
        await Task.WhenAll(pulledReported, startedReported).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Waits for the pull, reporting how far it has come every <see cref="AgentOptions.PullProgressInterval"/> while it
    /// moves on. A report is progress only: one the broker does not take in time is skipped, never waited for.
    /// </summary>
    private async Task<PullResult> ReportingProgress(Task<PullResult> pull, ActorSpec actor, ImageReference image, IPublishEndpoint publish,
        CancellationToken cancellationToken)
    {
        long reported = 0;
        while (true)
        {
            var tick = Task.Delay(options.PullProgressInterval, clock, cancellationToken);
            if (await Task.WhenAny(pull, tick) == pull) return await pull;
            if (runtime.PullProgressOf(image) is not { } progress || progress.Bytes <= reported) continue;
            reported = progress.Bytes;
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            patience.CancelAfter(options.PullProgressInterval);
            try
            {
                await publish.Publish(new ImagePulling
                {
                    ProjectId = actor.ProjectId, ActorId = actor.ActorId, NodeId = NodeId, Image = actor.Image,
                    BytesPulled = progress.Bytes, BytesTotal = progress.Total,
                }, patience.Token);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "Pull progress of actor {ActorId} not reported", actor.ActorId);
            }
        }
    }
}

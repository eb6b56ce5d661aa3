using System.Diagnostics;
using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// Turns DeployActor into a running actor: checks the command is this node's and the image allowed, pulls, starts,
/// reports, and hands the actor to the follower. A repeated command finds the actor running and does nothing; one
/// that comes after the actor's RemoveActor starts nothing.
/// </summary>
public sealed class ActorDeployer(AgentOptions options, IActorRuntime runtime, NodeActors actors, ActorOutputFollower follower,
    ILogger<NodeAgent> logger)
{
    private string NodeId => options.NodeId;

    public async Task Deploy(DeployActor command, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        var actor = command.Actor;
        if (command.NodeId != NodeId)
        {
            await ActorReports.Fail(publish, logger, NodeId, actor, FailureStages.Create,
                $"DeployActor for node '{command.NodeId}' reached the agent of node '{NodeId}'; refused.");
            return;
        }
        // One deployment per actor at a time: a duplicate command waits and then finds the actor running.
        using var gate = await actors.Gates.Enter(actor.ActorId, cancellationToken);
        if (actors.Running.ContainsKey(actor.ActorId))
        {
            logger.LogInformation("Actor {ActorId} already runs on {NodeId}; repeated DeployActor ignored", actor.ActorId, NodeId);
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
            await ActorReports.Fail(publish, logger, NodeId, actor, FailureStages.Pull, $"'{actor.Image}' is not a valid image reference.");
            return;
        }
        // Checked here, before the runtime is asked anything: a refused image costs no network call.
        if (!options.AllowedRegistries.Contains(image.Registry, StringComparer.OrdinalIgnoreCase))
        {
            await ActorReports.Fail(publish, logger, NodeId, actor, FailureStages.Pull,
                $"Image '{actor.Image}' is from registry '{image.Registry}', which this node does not allow (allowed: {string.Join(", ", options.AllowedRegistries)}).");
            return;
        }

        var stage = FailureStages.Pull;
        try
        {
            Task pulledReported;
            using (var pullSpan = FlopsTelemetry.Source.StartActivity("actor pull"))
            {
                pullSpan?.SetTag("flops.image", actor.Image).SetTag("flops.project", actor.ProjectId).SetTag("flops.actor", actor.ActorId);
                var pullTime = Stopwatch.StartNew();
                var pulled = await runtime.PullAsync(image, cancellationToken);
                AgentTelemetry.PullDuration.Record(pullTime.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("flops.cached", pulled.AlreadyCached));
                // Reported while the container is made: the broker's confirmation need not hold up the start.
                pulledReported = publish.Publish(new ImagePulled
                {
                    ProjectId = actor.ProjectId, ActorId = actor.ActorId, NodeId = NodeId, Image = actor.Image,
                    Digest = pulled.Digest, Duration = pullTime.Elapsed, AlreadyCached = pulled.AlreadyCached
                }, cancellationToken);
            }

            stage = FailureStages.Start;
            StartResult started;
            using (FlopsTelemetry.Source.StartActivity("actor start")?.SetTag("flops.project", actor.ProjectId).SetTag("flops.actor", actor.ActorId))
                started = await runtime.StartAsync(ActorProtocol.Launch(actor, image, NodeId, options.DataDir), cancellationToken);
            await pulledReported;

            var running = new RunningActor(actor, started.ContainerId, started.StartedAt);
            actors.Running[actor.ActorId] = running;
            await ActorReports.Started(publish, NodeId, running);
            logger.LogInformation("Actor {ActorId} ({Role} {Instance}) of project {ProjectId} running on {NodeId} as {ContainerId}",
                actor.ActorId, actor.Role, actor.Instance, actor.ProjectId, NodeId, started.ContainerId);
            follower.Start(running);
        }
        catch (ActorRuntimeException e)
        {
            await ActorReports.Fail(publish, logger, NodeId, actor, e.Stage, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Actor {ActorId}: {Stage} failed", actor.ActorId, stage);
            await ActorReports.Fail(publish, logger, NodeId, actor, stage, $"{stage} failed: {e.Message}");
        }
    }
}

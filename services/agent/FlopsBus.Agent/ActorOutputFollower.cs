using FlopsBus.Contracts;
using FlopsBus.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// Reads a running actor's output until it ends: the protocol's lines become bus events (data fetched, aggregator
/// reached, failed), and an actor that exits on its own is reported failed with its exit code and last lines.
/// </summary>
public sealed class ActorOutputFollower(AgentOptions options, IActorRuntime runtime, NodeActors actors, ActorReportOutbox reports,
    ILogger<NodeAgent> logger)
{
    /// <summary>Follows in the background; <paramref name="removeWhenEnded"/> removes the container once it has ended and been reported.</summary>
    public void Start(RunningActor actor, bool removeWhenEnded = false) => _ = Task.Run(() => Follow(actor, removeWhenEnded));

    private async Task Follow(RunningActor running, bool removeWhenEnded)
    {
        var actor = running.Actor;
        var lastLines = new Queue<string>();
        long exitCode;
        try
        {
            exitCode = await runtime.FollowAsync(running.ContainerId, line =>
            {
                lastLines.Enqueue(line.Text);
                if (lastLines.Count > options.LastLinesOnExit) lastLines.Dequeue();
                return OnOutput(running, line);
            }, running.Stop.Token);
        }
        catch (Exception) when (running.Released)
        {
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Lost the output of actor {ActorId}", actor.ActorId);
            return;
        }
        if (running.Released) return;

        actors.Running.TryRemove(new KeyValuePair<Guid, RunningActor>(actor.ActorId, running));
        await ActorReports.Fail(reports, logger, options.NodeId, actor, FailureStages.Exited,
            $"The {actor.Role} exited on its own with code {exitCode}. Last output: {string.Join(" | ", lastLines)}", (int)exitCode).WaitAsync(running.Stop.Token);
        if (removeWhenEnded)
            await runtime.RemoveAsync(ActorProtocol.ContainerName(actor.ActorId), CancellationToken.None);
    }

    /// <summary>Kept first, so that a repeated DeployActor reports it again even while this report waits for the broker.</summary>
    private async Task Report(RunningActor running, object fact)
    {
        running.Reported.Enqueue(fact);
        await reports.Post(fact).WaitAsync(running.Stop.Token);
    }

    private async Task OnOutput(RunningActor running, ActorOutputLine line)
    {
        var parsed = ActorEventLine.TryParse(line.Text);
        if (parsed is null) return;
        var a = running.Actor;
        var nodeId = options.NodeId;
        // Following runs on from the DeployActor it began with, so these spans join the deployment's trace.
        using var span = FlopsTelemetry.Source.StartActivity($"actor {parsed.Event}");
        span?.SetTag("flops.project", a.ProjectId).SetTag("flops.actor", a.ActorId).SetTag("flops.node", nodeId);
        switch (parsed.Event)
        {
            case ActorEventLine.DataFetched:
                await Report(running, new DataFetched
                {
                    ProjectId = a.ProjectId, ActorId = a.ActorId, NodeId = nodeId,
                    Samples = parsed.Samples ?? 0, Duration = (line.At - running.StartedAt).Duration()
                });
                break;
            case ActorEventLine.AggregatorConnected:
                await Report(running, new AggregatorConnected { ProjectId = a.ProjectId, ActorId = a.ActorId, NodeId = nodeId, Aggregator = a.AggregatorEndpoint });
                break;
            case ActorEventLine.Failed:
                await ActorReports.Fail(reports, logger, nodeId, a, running.DataFetched || a.Role != ActorRoles.Learner ? FailureStages.Connect : FailureStages.Data,
                    parsed.Reason ?? "the actor reported a failure without a reason").WaitAsync(running.Stop.Token);
                break;
        }
    }
}

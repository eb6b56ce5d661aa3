using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// Validates a submission, places its actors and sends one DeployActor per actor to the chosen node's agent.
/// What it publishes and sends leaves only once it has finished (the endpoint's outbox), so a fault halfway through
/// sends none of the project's commands, and the retry places it again. A redelivered submission gets the placement
/// it already holds and the same commands again (agents ignore repeats).
/// </summary>
public sealed class ProjectSubmittedConsumer(
    ProjectPlacer placer,
    ReservationLedger ledger,
    NodeRegistry nodes,
    ProjectSubmissionValidator validator,
    PlannerOptions options,
    TimeProvider clock,
    ILogger<ProjectSubmittedConsumer> logger) : IConsumer<ProjectSubmitted>
{
    public async Task Consume(ConsumeContext<ProjectSubmitted> context)
    {
        var message = context.Message;
        if (validator.FindProblem(message) is { } problem)
        {
            logger.LogWarning("Rejected project {ProjectId}: {Reason}", message.ProjectId, problem);
            await context.Publish(new ProjectRejected
            {
                ProjectId = message.ProjectId == Guid.Empty ? null : message.ProjectId,
                Reason = problem
            });
            return;
        }

        if (nodes.UntilSettled() is var settling && settling > TimeSpan.Zero)
            throw new PlannerSettlingException(settling);
        if (context.ReceiveContext.Redelivered)
            await AwaitPlacementByAnotherPlanner(message.ProjectId, context.CancellationToken);
        var decision = PlannerTelemetry.TimePlacement(message.ProjectId, () => placer.Place(message));
        if (!decision.Succeeded)
        {
            logger.LogWarning("Could not place project {ProjectId}: {Code} {Reason}", message.ProjectId, decision.FailureCode, decision.Failure);
            await context.Publish(new PlacementFailed { ProjectId = message.ProjectId, ReasonCode = decision.FailureCode!, Reason = decision.Failure! });
            return;
        }

        try
        {
            await Announce(context, message, decision);
        }
        catch when (!decision.Repeated)
        {
            // Nothing left the outbox: give the capacity back, so the retry places the project as if for the first time.
            ledger.ReleaseProject(message.ProjectId);
            if (decision.Observatory is { New: true } observatory) ledger.ReleaseProject(observatory.ObservatoryId);
            throw;
        }
    }

    /// <summary>
    /// A submission the broker delivers again may have been placed by a planner that died before acknowledging it,
    /// once its placement had gone out: that placement is on its way to this planner's view (<see cref="PlannerViewConsumer"/>),
    /// and placing the project anew would run it twice. Waited for a moment, so the repeat gets the same placement back.
    /// </summary>
    private async Task AwaitPlacementByAnotherPlanner(Guid projectId, CancellationToken cancellationToken)
    {
        try
        {
            await ledger.Placed(projectId).WaitAsync(options.RedeliveredSubmissionWait, clock, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Not placed before: it is placed now, as a first submission.
        }
        finally
        {
            ledger.StopAwaiting(projectId);
        }
    }

    private async Task Announce(ConsumeContext<ProjectSubmitted> context, ProjectSubmitted message, PlacementDecision decision)
    {
        // The customer's tracking server goes out first: the aggregator waits for it before it opens its port.
        var observatory = decision.Observatory;
        if (observatory is not null && (observatory.New || decision.Repeated))
        {
            await context.Publish(new ProjectPlaced
            {
                ProjectId = observatory.ObservatoryId,
                Kind = DeploymentKinds.Observatory,
                CustomerId = message.CustomerId!,
                Actors = [observatory.TrackingServer],
                TrackingUrl = observatory.TrackingUrl,
            });
            await context.Deploy(observatory.TrackingServer);
        }
        await context.Publish(new ProjectPlaced
        {
            ProjectId = message.ProjectId,
            Kind = DeploymentKinds.Project,
            CustomerId = message.CustomerId!,
            ReadinessTimeout = message.ReadinessTimeout,
            Actors = decision.Actors,
            ObservatoryId = observatory?.ObservatoryId,
            TrackingUrl = observatory?.TrackingUrl,
        });
        foreach (var actor in decision.Actors)
            await context.Deploy(actor);
        logger.LogInformation("Placed project {ProjectId}: {Actors} actors{Repeat}{Observatory}", message.ProjectId, decision.Actors.Count,
            decision.Repeated ? " (repeated submission, same placement)" : "",
            observatory is { New: true } ? $", and customer {message.CustomerId}'s observatory {observatory.ObservatoryId} on {observatory.TrackingServer.NodeId}" : "");
    }
}

/// <summary>
/// The planner has just started and not every node has had the chance to report what it runs yet: the submission
/// is retried once they have (the endpoint's retry policy), rather than waited out inside the consumer.
/// </summary>
public sealed class PlannerSettlingException(TimeSpan left)
    : Exception($"The planner started less than a heartbeat interval ago; nodes' reports are still coming in for {left.TotalSeconds:F1} s.");

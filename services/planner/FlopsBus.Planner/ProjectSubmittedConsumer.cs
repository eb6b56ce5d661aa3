using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// Validates a submission, places its actors and sends one DeployActor per actor to the chosen node's agent.
/// A redelivered submission gets the placement it already has and the same commands again (agents ignore repeats).
/// </summary>
public sealed class ProjectSubmittedConsumer(
    ProjectPlacements placements,
    NodeRegistry nodes,
    ProjectSubmissionValidator validator,
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

        if (nodes.UntilSettled() is { } settling && settling > TimeSpan.Zero)
        {
            logger.LogInformation("Project {ProjectId} waits {Seconds:F1} s for every node's first heartbeat since this planner started",
                message.ProjectId, settling.TotalSeconds);
            await Task.Delay(settling, context.CancellationToken);
        }
        var decision = PlannerTelemetry.TimePlacement(message.ProjectId, () => placements.Place(message));
        if (!decision.Succeeded)
        {
            logger.LogWarning("Could not place project {ProjectId}: {Code} {Reason}", message.ProjectId, decision.FailureCode, decision.Failure);
            await context.Publish(new PlacementFailed { ProjectId = message.ProjectId, ReasonCode = decision.FailureCode!, Reason = decision.Failure! });
            return;
        }

        // The customer's tracking server goes out first: the aggregator waits for it before it opens its port.
        var observatory = decision.Observatory;
        if (observatory is not null && (observatory.New || decision.Repeated))
        {
            await context.Publish(new ProjectPlaced
            {
                ProjectId = observatory.ObservatoryId,
                CustomerId = message.CustomerId!,
                Actors = [observatory.Actor],
                TrackingUrl = observatory.TrackingUrl,
            });
            await Send(context, observatory.Command);
        }
        await context.Publish(new ProjectPlaced
        {
            ProjectId = message.ProjectId,
            CustomerId = message.CustomerId!,
            ReadinessTimeout = message.ReadinessTimeout,
            Actors = decision.Actors,
            ObservatoryId = observatory?.ObservatoryId,
            TrackingUrl = observatory?.TrackingUrl,
        });
        foreach (var command in decision.Commands)
            await Send(context, command);
        logger.LogInformation("Placed project {ProjectId}: {Actors} actors{Repeat}{Observatory}", message.ProjectId, decision.Commands.Count,
            decision.Repeated ? " (repeated submission, same placement)" : "",
            observatory is { New: true } ? $", and customer {message.CustomerId}'s observatory {observatory.ObservatoryId} on {observatory.Command.NodeId}" : "");
    }

    private static async Task Send(ConsumeContext context, DeployActor command)
    {
        var agent = await context.GetSendEndpoint(EndpointNames.AgentAddress(command.NodeId));
        await agent.Send(command);
    }
}

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

        var decision = PlannerTelemetry.TimePlacement(message.ProjectId, () => placements.Place(message));
        if (!decision.Succeeded)
        {
            logger.LogWarning("Could not place project {ProjectId}: {Code} {Reason}", message.ProjectId, decision.FailureCode, decision.Failure);
            await context.Publish(new PlacementFailed { ProjectId = message.ProjectId, ReasonCode = decision.FailureCode!, Reason = decision.Failure! });
            return;
        }

        await context.Publish(new ProjectPlaced
        {
            ProjectId = message.ProjectId,
            CustomerId = message.CustomerId!,
            ReadinessTimeout = message.ReadinessTimeout,
            Actors = decision.Actors
        });
        foreach (var command in decision.Commands)
        {
            var agent = await context.GetSendEndpoint(EndpointNames.AgentAddress(command.NodeId));
            await agent.Send(command);
        }
        logger.LogInformation("Placed project {ProjectId}: {Actors} actors{Repeat}", message.ProjectId, decision.Commands.Count,
            decision.Repeated ? " (repeated submission, same placement)" : "");
    }
}

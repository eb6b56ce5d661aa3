using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// Validates a submission, places its actors and sends one DeployActor per actor to the chosen node's agent.
/// A redelivered submission gets the placement it already has and the same commands again (agents ignore repeats).
/// </summary>
public sealed class ProjectSubmittedConsumer(
    NodeRegistry nodes,
    ProjectSubmissionValidator validator,
    PlannerOptions options,
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

        var request = new PlacementRequest(
            message.ProjectId,
            message.AggregatorImage!,
            message.LearnerImage!,
            message.Learners,
            message.Resources?.Aggregator ?? options.DefaultAggregatorResources,
            message.Resources?.Learner ?? options.DefaultLearnerResources);
        var placement = nodes.Place(request, (role, instance) => ActorIdentity.For(message.ProjectId, role, instance));

        if (!placement.Succeeded)
        {
            logger.LogWarning("Could not place project {ProjectId}: {Code} {Reason}", message.ProjectId, placement.FailureCode, placement.Failure);
            await context.Publish(new PlacementFailed
            {
                ProjectId = message.ProjectId,
                ReasonCode = placement.FailureCode!,
                Reason = placement.Failure!
            });
            return;
        }

        await context.Publish(new ProjectPlaced
        {
            ProjectId = message.ProjectId,
            CustomerId = message.CustomerId!,
            ReadinessTimeout = message.ReadinessTimeout,
            Actors = placement.Actors.Select(a => new PlacedActor
            {
                ActorId = a.ActorId,
                Role = a.Assignment.Role,
                Instance = a.Assignment.Instance,
                NodeId = a.Assignment.NodeId,
                Image = a.Assignment.Image,
                Endpoint = a.Endpoint ?? placement.AggregatorEndpoint
            }).ToList()
        });

        foreach (var actor in placement.Actors)
        {
            var endpoint = await context.GetSendEndpoint(EndpointNames.AgentAddress(actor.Assignment.NodeId));
            await endpoint.Send(ToCommand(message, placement, actor));
        }
        logger.LogInformation("Placed project {ProjectId}: {Actors} actors{Repeat}", message.ProjectId, placement.Actors.Count,
            placement.Repeated ? " (repeated submission, same placement)" : "");
    }

    private DeployActor ToCommand(ProjectSubmitted message, ProjectPlacement placement, PlacedActorReservation actor)
    {
        var a = actor.Assignment;
        var aggregator = a.Role == ActorRoles.Aggregator;
        return new DeployActor
        {
            ProjectId = message.ProjectId,
            ActorId = actor.ActorId,
            NodeId = a.NodeId,
            Role = a.Role,
            Instance = a.Instance,
            Image = a.Image,
            Resources = a.Resources,
            ListenPort = aggregator ? a.Port : null,
            AggregatorEndpoint = aggregator ? null : placement.AggregatorEndpoint,
            DataTags = aggregator ? [] : message.DataTags!,
            MinLearners = message.Learners,
            TrackingUrl = aggregator ? options.TrackingUrl : null
        };
    }
}

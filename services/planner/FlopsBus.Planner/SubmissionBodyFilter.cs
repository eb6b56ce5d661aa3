using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>A submission whose body is not that of a ProjectSubmitted; it can never be handled, so it is not retried.</summary>
public sealed class SubmissionRejectedException(string reason) : Exception(reason);

/// <summary>
/// On the planner's queue, before the message is deserialized: a body too large, not
/// JSON, or of the wrong shape is answered here with a <see cref="ProjectRejected"/> naming the field
/// (<see cref="SubmissionBody"/>), then fails, so MassTransit keeps it in the error queue. A body the deserializer
/// refuses before this filter runs is answered by <see cref="MalformedSubmissionObserver"/>.
/// </summary>
public sealed class SubmissionBodyFilter(PlannerOptions options, IServiceProvider services, ILogger<SubmissionBodyFilter> logger) : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (SubmissionBody.FindProblem(context.ReceiveContext, options.MaxSubmissionBytes, out var projectId) is { } problem)
        {
            // Through the bus, not the consume context: the endpoint's outbox would hold the answer back and drop it
            // with the failing message. The failure that follows is not retried (PlannerRegistration ignores it).
            await Reject(services, logger, projectId, problem);
            throw new SubmissionRejectedException(problem);
        }
        await next.Send(context);
    }

    /// <summary>Answers a body that is not a submission, on the bus, saying where it was kept.</summary>
    public static async Task Reject(IServiceProvider services, ILogger logger, Guid? projectId, string problem)
    {
        var reason = $"Rejected: {problem} It was kept in the {EndpointNames.Planner}_error queue.";
        logger.LogWarning("Rejected a malformed submission {ProjectId}: {Reason}", projectId, reason);
        await services.GetRequiredService<IBus>().Publish(new ProjectRejected { ProjectId = projectId, Reason = reason });
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("submission-body");
}

using MassTransit;

namespace FlopsBus.Planner;

/// <summary>A submission whose body is not that of a ProjectSubmitted; it can never be handled, so it is not retried.</summary>
public sealed class SubmissionRejectedException(string reason, Guid? projectId) : Exception(reason)
{
    public Guid? ProjectId { get; } = projectId;
}

/// <summary>
/// First on the planner's queue, before any retry and before the message is deserialized: a body too large, not
/// JSON, or of the wrong shape fails here with the field named (<see cref="SubmissionBody"/>), lands in the error
/// queue, and is answered by <see cref="MalformedSubmissionObserver"/>.
/// </summary>
public sealed class SubmissionBodyFilter(PlannerOptions options) : IFilter<ConsumeContext>
{
    public const string EnvelopeMediaType = "application/vnd.masstransit+json";

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        var receive = context.ReceiveContext;
        if (SubmissionBody.FindProblem(receive.Body.GetBytes(), receive.ContentType?.MediaType == EnvelopeMediaType,
                options.MaxSubmissionBytes, out var projectId) is { } problem)
            throw new SubmissionRejectedException(problem, projectId);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("submission-body");
}

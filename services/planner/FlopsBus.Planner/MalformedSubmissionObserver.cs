using System.Runtime.Serialization;
using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// A body that cannot be a submission never reaches the consumer: <see cref="SubmissionBodyFilter"/> or the
/// deserializer refuses it, and MassTransit keeps it in the endpoint's _error queue. This observer also answers it
/// on the bus with a <see cref="ProjectRejected"/> naming the field, so every body gets exactly one answer.
/// Receive observers are bus-wide in MassTransit, so it picks out the planner's own queue.
/// </summary>
public sealed class MalformedSubmissionObserver(IServiceProvider services, PlannerOptions options, ILogger<MalformedSubmissionObserver> logger)
    : IReceiveObserver
{
    public async Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        if (!IsPlannerQueue(context.InputAddress)) return;
        var (problem, projectId) = exception switch
        {
            SubmissionRejectedException rejected => (rejected.Message, rejected.ProjectId),
            // The deserializer got there first (a body that is not JSON never becomes a consume context): the same
            // reading of the body names what is wrong.
            SerializationException => (SubmissionBody.FindProblem(context.Body.GetBytes(),
                context.ContentType?.MediaType == SubmissionBodyFilter.EnvelopeMediaType, options.MaxSubmissionBytes, out var id)
                ?? (exception.InnerException ?? exception).Message, id),
            _ => (null, null),
        };
        if (problem is null) return;
        var reason = $"Rejected: {problem} It was kept in the {EndpointNames.Planner}_error queue.";
        logger.LogWarning("Rejected a malformed submission {ProjectId}: {Reason}", projectId, reason);
        if (services.GetService(typeof(IBus)) is IBus bus)
            await bus.Publish(new ProjectRejected { ProjectId = projectId, Reason = reason });
    }

    private static bool IsPlannerQueue(Uri address) => address.AbsolutePath.TrimEnd('/').EndsWith("/" + EndpointNames.Planner, StringComparison.Ordinal);

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;
    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;
    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;
    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class => Task.CompletedTask;
}

using System.Runtime.Serialization;
using System.Text.Json;
using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// A body the deserializer refuses (not JSON, not UTF-8, a value of the wrong JSON type) fails before
/// <see cref="SubmissionBodyFilter"/> sees it, and MassTransit keeps it in the endpoint's _error queue. This observer
/// answers it on the bus with a <see cref="ProjectRejected"/> naming the field, read by the same <see cref="SubmissionBody"/>
/// (the deserializer's own message speaks of .NET types, and stops at the first problem of its own choosing). Receive
/// observers are bus-wide in MassTransit, so it picks out the planner's own queue.
/// </summary>
public sealed class MalformedSubmissionObserver(IServiceProvider services, PlannerOptions options, ILogger<MalformedSubmissionObserver> logger)
    : IReceiveObserver
{
    public async Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        // The filter answered what it refused; a fault of a well-formed body (a broker in trouble) is no rejection.
        if (exception is SubmissionRejectedException || !IsPlannerQueue(context.InputAddress)) return;
        var problem = SubmissionBody.FindProblem(context, options.MaxSubmissionBytes, out var projectId);
        if (problem is null && exception is SerializationException or JsonException)
            problem = (exception.InnerException ?? exception).Message;
        if (problem is not null)
            await SubmissionBodyFilter.Reject(services, logger, projectId, problem);
    }

    private static bool IsPlannerQueue(Uri address) => address.AbsolutePath.TrimEnd('/').EndsWith("/" + EndpointNames.Planner, StringComparison.Ordinal);

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;
    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;
    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;
    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class => Task.CompletedTask;
}

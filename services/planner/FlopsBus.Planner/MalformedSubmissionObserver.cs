using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

/// <summary>
/// A body that cannot even be read (not JSON, wrong content type) never reaches the consumer. MassTransit
/// keeps it in the endpoint's _error queue; this observer also says so on the bus, so the sender hears why.
/// Receive observers are bus-wide in MassTransit, so it picks out the planner's own queue.
/// </summary>
public sealed class MalformedSubmissionObserver(IServiceProvider services, ILogger<MalformedSubmissionObserver> logger) : IReceiveObserver
{
    public async Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        if (exception is not System.Runtime.Serialization.SerializationException || !IsPlannerQueue(context.InputAddress))
            return;
        var reason = $"The submission could not be read as a ProjectSubmitted (content type '{context.ContentType?.MediaType ?? "none"}'): " +
                     $"{(exception.InnerException ?? exception).Message} It was kept in the {EndpointNames.Planner}_error queue.";
        logger.LogWarning("Rejected an unreadable submission: {Reason}", reason);
        var bus = services.GetService(typeof(IBus)) as IBus;
        if (bus is not null)
            await bus.Publish(new ProjectRejected { Reason = reason });
    }

    private static bool IsPlannerQueue(Uri address) => address.AbsolutePath.TrimEnd('/').EndsWith("/" + EndpointNames.Planner, StringComparison.Ordinal);

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;
    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;
    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;
    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class => Task.CompletedTask;
}

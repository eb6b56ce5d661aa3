using MassTransit;
using Npgsql;

namespace FlopsBus.Deployment;

/// <summary>
/// What the saga host does while PostgreSQL does not answer: a message that meets the outage is retried in place,
/// with waits growing to <see cref="DeploymentOptions.OutageRetryLimit"/>, for as long as the outage lasts, instead of
/// faulting into the error queue after a few tries. The endpoint's messages in flight are held, so it takes no new
/// ones until the database answers (the broker keeps them); then everything goes on where it stopped. The error
/// queue keeps poison only.
/// RabbitMQ's delayed-message plugin is not available here, so redelivery through the broker with a delay (and a
/// kill switch that stops and restarts the endpoint around it) is not an option; an in-place retry is.
/// </summary>
public static class DatabaseOutages
{
    /// <summary>Whether <paramref name="exception"/> (or what it wraps: MassTransit wraps saga failures) says the database is unreachable or going away.</summary>
    public static bool IsOutage(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is NpgsqlException { IsTransient: true })
                return true;
        return false;
    }

    public static void RetryWhileTheDatabaseIsDown(this IReceiveEndpointConfigurator endpoint, DeploymentOptions options) =>
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(IsOutage);
            r.Exponential(int.MaxValue, TimeSpan.FromMilliseconds(200), options.OutageRetryLimit, TimeSpan.FromMilliseconds(500));
        });
}

using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Planner;

public static class PlannerRegistration
{
    private const int SubmissionsInFlight = 64;

    public static IServiceCollection AddPlannerServices(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PlannerOptions.From(configuration);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddNodeClaims();
        services.AddSingleton<NodeRegistry>();
        services.AddSingleton<ReservationLedger>();
        services.AddSingleton<ProjectPlacer>();
        services.AddHostedService<NodeLivenessMonitor>();
        services.AddSingleton<ProjectSubmissionValidator>();
        return services;
    }

    public static void AddPlanner(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ProjectSubmittedConsumer>().Endpoint(e => e.Name = EndpointNames.Planner);
        bus.AddConsumer<ReplaceActorConsumer>().Endpoint(e => e.Name = EndpointNames.PlannerControl);
        bus.AddConsumer<GetNodesConsumer>().Endpoint(e => e.Name = EndpointNames.PlannerControl);
        // Node views are per process: a temporary endpoint per planner instance, so none misses a heartbeat.
        bus.AddConsumer<PlannerViewConsumer>().Endpoint(e =>
        {
            e.Name = $"{EndpointNames.Planner}-view-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
            e.Temporary = true;
        });
        bus.AddConfigureEndpointsCallback((context, name, endpoint) =>
        {
            if (name is not (EndpointNames.Planner or EndpointNames.PlannerControl)) return;
            var options = context.GetRequiredService<PlannerOptions>();
            // One planner places at a time: with several planner processes running, the broker hands these queues to
            // the first one only (RabbitMQ's single active consumer) and to the next as soon as that one's connection
            // goes; the messages it held unacknowledged go to the next. The others keep their view current meanwhile
            // (PlannerViewConsumer), placements included, so the next places against the same capacity.
            if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.SingleActiveConsumer = true;
                // Placement itself takes turns (the ledger's lock); what a placement sends does not: its dozen messages
                // leave the outbox one after another, in order, each confirmed by the broker, so several placements are
                // in flight meanwhile (MassTransit's default is twice the cores).
                rabbit.PrefetchCount = SubmissionsInFlight;
            }
            if (name == EndpointNames.Planner)
            {
                endpoint.AcceptPlainJson();
                endpoint.UseFilter(new SubmissionBodyFilter(options, context, context.GetRequiredService<ILogger<SubmissionBodyFilter>>()));
            }
            // A placement's commands leave together or not at all: the outbox holds them until the consumer is done.
            // A submission that comes while the planner settles is retried once the nodes have reported (no
            // scheduler here for delayed redelivery: RabbitMQ's delayed-message plugin is not in Debian); other
            // faults get a few quick retries before the error queue.
            endpoint.UseMessageRetry(r =>
            {
                r.Handle<PlannerSettlingException>();
                r.Interval(options.SettlingRetries, options.SettlingRetryInterval);
            });
            // A body that is not a submission is never one, however often it is read.
            endpoint.UseMessageRetry(r =>
            {
                r.Ignore<PlannerSettlingException>();
                r.Ignore<SubmissionRejectedException>();
                r.Intervals(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1));
            });
            endpoint.UseInMemoryOutbox(context);
        });
        bus.AddReceiveObserver<MalformedSubmissionObserver>();
    }
}

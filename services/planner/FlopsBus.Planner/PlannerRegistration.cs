using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Planner;

public static class PlannerRegistration
{
    public static IServiceCollection AddPlannerServices(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PlannerOptions.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<NodeRegistry>();
        services.AddSingleton<ProjectPlacements>();
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
        bus.AddConfigureEndpointsCallback((name, endpoint) =>
        {
            if (name == EndpointNames.Planner) endpoint.AcceptPlainJson();
        });
        bus.AddReceiveObserver<MalformedSubmissionObserver>();
    }
}

using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlopsBus.Hosting;

public static class BusRegistration
{
    /// <summary>
    /// The one place that configures MassTransit for every FlopsBus process: transport from configuration,
    /// kebab-case endpoint names, usage telemetry off.
    /// </summary>
    public static IServiceCollection AddFlopsBus(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<IBusRegistrationConfigurator> register,
        Action<IBusRegistrationContext, IBusFactoryConfigurator>? configureEndpoints = null)
    {
        var options = BusOptions.From(configuration);
        services.AddSingleton(options);
        services.AddNodeClaims();
        // Start-up returns only once every endpoint is bound: a host that publishes right after starting
        // would otherwise send into exchanges nothing is bound to yet, and RabbitMQ drops what it cannot route.
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.SetKebabCaseEndpointNameFormatter();
            register(x);

            if (options.InMemory)
            {
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.UseConsumeFilter(typeof(ProjectLogScope<>), context);
                    configureEndpoints?.Invoke(context, cfg);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                // Durable service queues only: temporary ones (a planner's view, request replies) cannot be quorum queues.
                if (options.QuorumQueues)
                    x.AddConfigureEndpointsCallback((_, name, endpoint) =>
                    {
                        if (EndpointNames.IsDurableServiceQueue(name) && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                            rabbit.SetQuorumQueue();
                    });
                x.UsingRabbitMq((context, cfg) =>
                {
                    var (username, password) = options.Credentials();
                    cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                    {
                        h.Username(username);
                        h.Password(password);
                    });
                    cfg.UseConsumeFilter(typeof(ProjectLogScope<>), context);
                    configureEndpoints?.Invoke(context, cfg);
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        return services;
    }

    /// <summary>The check every host that reads nodes' messages makes (<see cref="NodeClaims"/>).</summary>
    public static IServiceCollection AddNodeClaims(this IServiceCollection services)
    {
        services.TryAddSingleton<NodeClaims>();
        return services;
    }

    /// <summary>
    /// Lets an endpoint that upstream stages publish to take a plain JSON body (content type application/json,
    /// camelCase, no envelope), as non-.NET stages and the management UI send. Any message type is read from
    /// such a body, so only endpoints with a single message type should accept it.
    /// </summary>
    public static void AcceptPlainJson(this IReceiveEndpointConfigurator endpoint) =>
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: false);
}

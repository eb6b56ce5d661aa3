using System.Reflection;
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
                    ReconnectReceiveEndpointsSooner(cfg);
                    // MassTransit gives an endpoint's error and skipped queues its own queue's arguments. They must not
                    // take single active consumer (the planner's and the saga's queues have it): RabbitMQ refuses to read
                    // (basic.get) a quorum queue with it, which is how `flops errors` shows what went wrong.
                    cfg.SendTopology.ConfigureErrorSettings = error => error.SingleActiveConsumer = false;
                    cfg.SendTopology.ConfigureDeadLetterSettings = skipped => skipped.SingleActiveConsumer = false;
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

    /// <summary>The longest wait between a receive endpoint's tries to reach the broker again (see below).</summary>
    public static readonly TimeSpan ReceiveReconnectMaxDelay = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// A service must consume again within seconds of its broker's return (issue #13), but MassTransit 8.5's RabbitMQ
    /// transport waits ever longer between a lost receive endpoint's tries (RabbitMqHostConfiguration's
    /// ReceiveTransportRetryPolicy: exponential from 3 s in 3 s steps up to 30 s, with jitter, plus a second's pause
    /// each time): after a broker restart of about ten seconds the endpoints came back 5 to 7 s after the broker
    /// (BrokerRestartTests), sending and publishing again at once but consuming nothing meanwhile. MassTransit offers no setting for it in 8.x (a read-only property
    /// whose policy its constructor makes; 9.x is licensed), so the policy is replaced here, before the bus is built:
    /// the same failures are retried (the original decides which), for as long as they last, at most
    /// <see cref="ReceiveReconnectMaxDelay"/> apart with MassTransit's jitter, so that many nodes do not all knock at once.
    /// A MassTransit without that field fails every host's start-up here, loudly, rather than reconnecting slowly unseen.
    /// </summary>
    private static void ReconnectReceiveEndpointsSooner(IRabbitMqBusFactoryConfigurator cfg)
    {
        const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;
        var hostConfiguration = cfg.GetType().GetField("_hostConfiguration", Private)?.GetValue(cfg);
        var policyField = hostConfiguration?.GetType().GetField("<ReceiveTransportRetryPolicy>k__BackingField", Private);
        if (policyField?.GetValue(hostConfiguration) is not IRetryPolicy original)
            throw new InvalidOperationException(
                "MassTransit's RabbitMQ host configuration no longer has the receive transport retry policy FlopsBus shortens (BusRegistration).");
        policyField.SetValue(hostConfiguration, Retry.CreatePolicy(r =>
        {
            r.Handle<Exception>(original.IsHandled);
            r.Exponential(int.MaxValue, TimeSpan.FromMilliseconds(250), ReceiveReconnectMaxDelay, TimeSpan.FromMilliseconds(500));
        }));
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

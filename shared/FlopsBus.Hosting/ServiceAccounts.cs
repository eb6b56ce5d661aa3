using FlopsBus.Contracts;

namespace FlopsBus.Hosting;

/// <summary>A FlopsBus service's own broker account, as <c>flops account add</c> prints it.</summary>
public sealed record ServiceAccount(string Service, string Username, string Password, string VirtualHost);

/// <summary>
/// Broker accounts for the planner, the saga host and the CLI, each with what it needs and no management rights, so the
/// administrator account is used by <c>flops node add/remove</c> and <c>flops account add/remove</c> only.
/// MassTransit declares every exchange and queue it sends or publishes to (non-passively), and RabbitMQ's configure
/// permission covers declaring and deleting alike: a service may therefore delete what it sends to. That is why
/// these accounts are for our own services, and nodes, which we do not trust, publish only into exchanges of their own.
/// </summary>
public static class ServiceAccounts
{
    public const string Planner = "planner";
    public const string Deployment = "deployment";
    public const string Cli = "cli";
    public static IReadOnlyList<string> Services { get; } = [Planner, Deployment, Cli];

    // Every message type's exchange and MassTransit's fault exchanges; the bus endpoint (request replies) MassTransit
    // names host_process_bus_id, and the CLI's watch endpoint host_process_flops-cli-watch_id.
    private const string Shared = @"FlopsBus\.Contracts:.*|MassTransit:Fault.*";
    private const string Replies = @"[^:]*_bus_[a-z0-9]+";
    private const string Watch = @"[^:]*_flops-cli-watch_[a-z0-9]+";
    private static readonly string NodeResponses = $@"{System.Text.RegularExpressions.Regex.Escape(EndpointNames.NodeExchangePrefix)}.*\.{EndpointNames.NodeResponsesSuffix}";

    public static string UserName(string service, string virtualHost) =>
        virtualHost == "/" ? $"flops-{service}" : $"flops-{service}@{virtualHost}";

    /// <summary>The permissions of a service's account (regular expressions on resource names).</summary>
    public static (string Configure, string Write, string Read) Permissions(string service)
    {
        var (own, sendsTo) = service switch
        {
            // Its queues (submissions, control, its per-process view), and the nodes' command queues it sends to.
            Planner => ($"{EndpointNames.Planner}.*", "flops-agent-.*"),
            // Its queues; re-placements to the planner, removals to the nodes, answers to the agents' questions.
            Deployment => ($"{EndpointNames.Deployment}.*", $"{EndpointNames.PlannerControl}|flops-agent-.*|{NodeResponses}"),
            // No queue of its own but its replies and watch; cancellations and questions to the saga and the planner.
            Cli => (Watch, $"{EndpointNames.Deployment}|{EndpointNames.PlannerControl}"),
            _ => throw new ArgumentException($"service '{service}' is not one of {string.Join(", ", Services)}."),
        };
        // Commands go to the exchange of the receiving queue's name (EndpointNames), which takes configure and write.
        var configureAndWrite = $"^({own}|{sendsTo}|{Shared}|{Replies})$";
        return (configureAndWrite, configureAndWrite, $"^({own}|{Shared}|{Replies})$");
    }

    public static async Task<ServiceAccount> Add(BrokerManagement broker, string virtualHost, string service, CancellationToken cancellationToken)
    {
        var permissions = Permissions(service);
        var account = new ServiceAccount(service, UserName(service, virtualHost), BrokerManagement.NewPassword(), virtualHost);
        await broker.AddAccount(virtualHost, account.Username, account.Password, permissions, cancellationToken);
        return account;
    }

    public static async Task Remove(BrokerManagement broker, string virtualHost, string service, CancellationToken cancellationToken)
    {
        if (!Services.Contains(service))
            throw new ArgumentException($"service '{service}' is not one of {string.Join(", ", Services)}.");
        await broker.RemoveAccount(UserName(service, virtualHost), $"the {service} account was removed", cancellationToken);
    }
}

using System.Text.RegularExpressions;
using FlopsBus.Contracts;

namespace FlopsBus.Hosting;

/// <summary>A worker node's own broker account, as <c>flops node add</c> prints it.</summary>
public sealed record NodeAccount(string NodeId, string Username, string Password, string VirtualHost);

/// <summary>
/// Gives each worker node a broker account that can do that node's work and nothing else, as Kubernetes' Node
/// authorizer confines kubelets. With it a node may consume its own command queue (and declare it, its error and
/// skipped queues and its response queue) and publish into its own node exchanges, which carry its messages on to
/// the shared exchanges of their types. It may not read any other queue, write to any other exchange (so it sends no
/// command to any node and publishes nothing the planner or saga could take for another node's), nor declare, delete
/// or bind anything shared: the broker refuses.
/// </summary>
public sealed partial class NodeAccounts(BrokerManagement broker, string virtualHost)
{
    /// <summary>Node ids end up in queue, exchange and user names: letters, digits, '_', '.', '-', at most 63.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    private static partial Regex NodeIdPattern();

    /// <summary>Users are per broker, permissions per virtual host: a node's account names both.</summary>
    public static string UserName(string nodeId, string virtualHost) =>
        virtualHost == "/" ? $"flops-node-{nodeId}" : $"flops-node-{nodeId}@{virtualHost}";

    /// <summary>The permissions of node <paramref name="nodeId"/>'s account (regular expressions on resource names).</summary>
    public static (string Configure, string Write, string Read) Permissions(string nodeId)
    {
        var node = Regex.Escape(nodeId);
        var queues = $@"flops-agent-{node}(_error|_skipped)?";
        var responses = $@"{Regex.Escape(EndpointNames.NodeResponses(nodeId))}";
        var exchanges = $@"{Regex.Escape(EndpointNames.NodeExchangePrefix + nodeId + ".")}({string.Join('|', NodeMessages.Published.Select(t => t.Name))})";
        return ($"^({queues}|{responses}|{exchanges})$", $"^({queues}|{responses}|{exchanges})$", $"^({queues}|{responses})$");
    }

    public async Task<NodeAccount> Add(string nodeId, CancellationToken cancellationToken)
    {
        if (!NodeIdPattern().IsMatch(nodeId))
            throw new ArgumentException($"node id '{nodeId}' is not valid: letters, digits, '_', '.' and '-', starting with a letter or digit, at most 63.");
        await broker.RequireVirtualHost(virtualHost, cancellationToken);
        foreach (var type in NodeMessages.Published)
        {
            var shared = EndpointNames.SharedExchange(type);
            var own = EndpointNames.NodeExchange(nodeId, type);
            await broker.PutExchange(virtualHost, shared, cancellationToken);
            await broker.PutExchange(virtualHost, own, cancellationToken);
            await broker.BindExchange(virtualHost, own, shared, cancellationToken);
        }
        var account = new NodeAccount(nodeId, UserName(nodeId, virtualHost), BrokerManagement.NewPassword(), virtualHost);
        await broker.AddAccount(virtualHost, account.Username, account.Password, Permissions(nodeId), cancellationToken);
        return account;
    }

    /// <summary>Deletes the node's account, closes what it has open, and removes its exchanges so nothing of it is routed any more.</summary>
    public async Task Remove(string nodeId, CancellationToken cancellationToken)
    {
        await broker.RemoveAccount(UserName(nodeId, virtualHost), $"node {nodeId} was removed", cancellationToken);
        foreach (var type in NodeMessages.Published)
            await broker.DeleteExchange(virtualHost, EndpointNames.NodeExchange(nodeId, type), cancellationToken);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Hosting;

/// <summary>
/// Whether a received message may say what it says about a node. A node's broker account can write only into its own
/// node's exchanges (<see cref="EndpointNames.NodeExchange"/>), so the exchange a message was published into names the
/// node that sent it, as the broker vouches. A message that came any other way was sent by a FlopsBus service (or, on
/// the in-memory transport, from within the process) and is trusted. A refused message is dropped, counted in
/// <c>flops.security.refused</c> and logged once per sender, message type and reason.
/// </summary>
public sealed class NodeClaims(ILogger<NodeClaims> logger)
{
    private static readonly Counter<long> Refused = FlopsTelemetry.Meter.CreateCounter<long>(
        "flops.security.refused", "{message}", "Messages dropped because their sender may not say what they say");

    private readonly ConcurrentDictionary<(string Sender, string MessageType, string Reason), bool> _logged = new();

    /// <summary>The node whose exchange <paramref name="context"/>'s message came through, or null when no node sent it.</summary>
    public static string? SendingNode(ConsumeContext context) =>
        context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit) ? EndpointNames.NodeOfExchange(rabbit.Exchange) : null;

    /// <summary>True when the message may speak for <paramref name="claimedNodeId"/>: no node sent it, or that node did.</summary>
    public bool MaySpeakFor<T>(ConsumeContext<T> context, string claimedNodeId) where T : class
    {
        var sender = SendingNode(context);
        if (sender is null || sender == claimedNodeId) return true;
        Refuse<T>(sender, RefusalReasons.OtherNode, $"it claims to come from node {claimedNodeId}");
        return false;
    }

    /// <summary>Counts and logs (once per sender, type and reason) a message of node <paramref name="sender"/> that is dropped.</summary>
    public void Refuse<T>(string sender, string reason, string detail)
    {
        Refused.Add(1, new KeyValuePair<string, object?>("message_type", typeof(T).Name), new KeyValuePair<string, object?>("reason", reason));
        if (_logged.TryAdd((sender, typeof(T).Name, reason), true))
            logger.LogWarning("Refused a {MessageType} sent by node {Sender}: {Detail}. Further ones like it are only counted (flops.security.refused)",
                typeof(T).Name, sender, detail);
    }
}

/// <summary>The <c>reason</c> tag of <c>flops.security.refused</c>.</summary>
public static class RefusalReasons
{
    /// <summary>A node spoke for another node.</summary>
    public const string OtherNode = "other-node";
    /// <summary>A node reported on an actor that is not placed on it.</summary>
    public const string NotPlacedThere = "not-placed-there";
}

/// <summary>
/// Drops, before anything else sees it, a message in which one node speaks for another. The message counts as
/// handled, so it is acknowledged rather than moved to the endpoint's skipped queue, where a hostile node could pile it up.
/// </summary>
public sealed class NodeClaimFilter<T>(NodeClaims claims, Func<T, string> claimedNodeId) : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (claims.MaySpeakFor(context, claimedNodeId(context.Message)))
            await next.Send(context);
        else
            await context.NotifyConsumed(context, TimeSpan.Zero, nameof(NodeClaimFilter<T>));
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("nodeClaim");
}

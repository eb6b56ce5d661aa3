using System.Collections.Concurrent;
using System.Reflection;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Hosting;

/// <summary>
/// Puts the project a message is about (its ProjectId, or its actor's) into the logging scope while it is consumed, so
/// every line logged meanwhile, by any component, names the project (with Logging:Format=json, a "ProjectId" field).
/// </summary>
public sealed class ProjectLogScope<T>(ILoggerFactory loggers) : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly Func<T, Guid?>? ProjectOf = Find();
    private readonly ILogger _logger = loggers.CreateLogger("FlopsBus");

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (ProjectOf?.Invoke(context.Message) is not { } projectId || projectId == Guid.Empty)
        {
            await next.Send(context);
            return;
        }
        using (_logger.BeginScope(new Dictionary<string, object> { ["ProjectId"] = projectId }))
            await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("projectLogScope");

    /// <summary>A ProjectId property of the message, or of its Actor (an <see cref="FlopsBus.Contracts.ActorSpec"/>).</summary>
    private static Func<T, Guid?>? Find()
    {
        if (Property(typeof(T)) is { } direct) return m => (Guid?)direct.GetValue(m);
        if (typeof(T).GetProperty("Actor") is { } actor && Property(actor.PropertyType) is { } nested)
            return m => actor.GetValue(m) is { } a ? (Guid?)nested.GetValue(a) : null;
        return null;
    }

    private static PropertyInfo? Property(Type type) =>
        type.GetProperty("ProjectId") is { } p && (p.PropertyType == typeof(Guid) || p.PropertyType == typeof(Guid?)) ? p : null;
}

using System.Reflection;
using System.Runtime.ExceptionServices;
using MassTransit;

namespace FlopsBus.Tests.Agent;

/// <summary>
/// A bus whose first publish of each given message type never ends and does not heed its cancellation, as a MassTransit
/// publish held on a connection it never gets back; everything else goes through to the bus underneath. Unlike
/// <see cref="BrokerLink"/>, it sits outside MassTransit, which would otherwise give up a held publish when its token is
/// cancelled and so hide whether the caller can leave it behind.
/// </summary>
public class DeafPublishes : DispatchProxy
{
    private IBus _bus = null!;
    private readonly List<Type> _deafTo = [];
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once a publish has been held.</summary>
    public Task Held => _held.Task;

    public static (IBus Bus, DeafPublishes Publishes) Over(IBus bus, params Type[] messageTypes)
    {
        var proxy = Create<IBus, DeafPublishes>();
        var publishes = (DeafPublishes)(object)proxy;
        publishes._bus = bus;
        publishes._deafTo.AddRange(messageTypes);
        return (proxy, publishes);
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(IPublishEndpoint.Publish) && args is [{ } message, ..])
        {
            lock (_deafTo)
            {
                if (_deafTo.Remove(message.GetType()))
                {
                    _held.TrySetResult();
                    return new TaskCompletionSource().Task;
                }
            }
        }
        try
        {
            return method.Invoke(_bus, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}

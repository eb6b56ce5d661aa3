using System.Net.Sockets;
using Docker.DotNet;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// The node's Docker engine does not answer: its socket refuses connections or a call was cut off as it stopped or
/// restarted. Calls wait for it, the wait growing to <see cref="MaxWait"/>, for as long as it takes (until the agent
/// lets go of the call): an engine outage is no reason to fail an actor. Said once per outage in the log.
/// </summary>
public sealed class EngineOutages(DockerClient docker, TimeProvider clock, ILogger<EngineOutages> logger)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);
    private int _waiting;

    /// <summary>Whether <paramref name="exception"/> (or what it wraps) says the engine did not answer, rather than answered no.</summary>
    public static bool IsOutage(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is DockerApiException) return false;
            else if (e is HttpRequestException or SocketException or IOException) return true;
        return false;
    }

    public async Task<T> WhenTheEngineAnswers<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsOutage(e) && !cancellationToken.IsCancellationRequested)
            {
                await WaitForTheEngine(e, cancellationToken);
            }
        }
    }

    /// <summary>Returns once the engine answers a ping again.</summary>
    public async Task WaitForTheEngine(Exception cause, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) == 1)
            logger.LogWarning("The Docker engine does not answer ({Reason}); actors' work waits for it", cause.Message);
        try
        {
            var wait = TimeSpan.FromMilliseconds(200);
            while (true)
            {
                await Task.Delay(wait, clock, cancellationToken);
                try
                {
                    await docker.System.PingAsync(cancellationToken);
                    break;
                }
                catch (Exception e) when (IsOutage(e) && !cancellationToken.IsCancellationRequested)
                {
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxWait.Ticks));
                }
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _waiting) == 0)
                logger.LogInformation("The Docker engine answers again");
        }
    }
}

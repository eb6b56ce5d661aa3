using Microsoft.Extensions.Configuration;

namespace FlopsBus.Hosting;

/// <summary>Configuration section "Bus": which transport and where the broker is.</summary>
public sealed class BusOptions
{
    public const string Section = "Bus";

    /// <summary>"RabbitMq" (default) or "InMemory" (embedded demo and unit tests only).</summary>
    public string Transport { get; set; } = "RabbitMq";
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary>How long a service's bus may stay unhealthy before the service exits to be restarted (<see cref="BusWatchdog"/>); zero never.</summary>
    public TimeSpan UnhealthyExitAfter { get; set; } = TimeSpan.FromMinutes(5);

    public static BusOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<BusOptions>() ?? new BusOptions();

    /// <summary>
    /// "classic" (default) or "quorum": the type of the durable service queues (the planner's, the saga host's, the
    /// agents'). Quorum queues are replicated across a RabbitMQ cluster's nodes; a queue's type is fixed when it is
    /// first declared, so switching means deleting those queues while the system is stopped.
    /// </summary>
    public string QueueType { get; set; } = "classic";

    public bool QuorumQueues => QueueType.ToLowerInvariant() switch
    {
        "classic" => false,
        "quorum" => true,
        _ => throw new InvalidOperationException($"Bus:QueueType must be 'classic' or 'quorum', was '{QueueType}'."),
    };

    public bool InMemory => string.Equals(Transport, "InMemory", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// RabbitMQ's guest account only works from loopback; anywhere else a missing credential is an error
    /// rather than a silent fallback to a well-known password.
    /// </summary>
    public (string Username, string Password) Credentials()
    {
        if (!string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password))
            return (Username, Password);
        if (IsLoopback(Host))
            return ("guest", "guest");
        throw new InvalidOperationException(
            $"Bus:Username and Bus:Password must be set for the broker at {Host}: default credentials are only used on loopback.");
    }

    internal static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}

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

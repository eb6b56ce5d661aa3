using Microsoft.Extensions.Configuration;

namespace FlopsBus.Hosting;

/// <summary>
/// Configuration section "BrokerAdmin": the broker's administrator account, which only <c>flops node add/remove</c>
/// uses, and where the management API listens (default: port 15672 of Bus:Host).
/// </summary>
public sealed class BrokerAdminOptions
{
    public const string Section = "BrokerAdmin";

    public string? ManagementUrl { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>The management API of the broker <paramref name="bus"/> points at, with the administrator's credentials.</summary>
    public static BrokerManagement Connect(IConfiguration configuration)
    {
        var bus = BusOptions.From(configuration);
        var admin = configuration.GetSection(Section).Get<BrokerAdminOptions>() ?? new BrokerAdminOptions();
        var url = admin.ManagementUrl ?? $"http://{bus.Host}:15672/api/";
        if (!url.EndsWith('/')) url += "/";
        if (!string.IsNullOrEmpty(admin.Username) && !string.IsNullOrEmpty(admin.Password))
            return new BrokerManagement(new Uri(url), admin.Username, admin.Password);
        if (BusOptions.IsLoopback(bus.Host))
            return new BrokerManagement(new Uri(url), "guest", "guest");
        throw new InvalidOperationException(
            $"BrokerAdmin:Username and BrokerAdmin:Password must be set for the broker at {bus.Host}: default credentials are only used on loopback.");
    }
}

using FlopsBus.Hosting;

namespace FlopsBus.Cli;

/// <summary>
/// The broker as its administrator sees it (BrokerAdmin:*), for the commands that manage accounts and error queues,
/// and the broker the configuration names (Bus:*).
/// </summary>
public sealed class CliAdministration : IDisposable
{
    private CliAdministration(BrokerManagement broker, BusOptions bus) => (Broker, Bus) = (broker, bus);

    public BrokerManagement Broker { get; }
    public BusOptions Bus { get; }
    public string VirtualHost => Bus.VirtualHost;

    public static CliAdministration Connect()
    {
        var configuration = FlopsHost.CreateBuilder([], "flops-cli").Configuration;
        return new CliAdministration(BrokerAdminOptions.Connect(configuration), BusOptions.From(configuration));
    }

    public void Dispose() => Broker.Dispose();
}

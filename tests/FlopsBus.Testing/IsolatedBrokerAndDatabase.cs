using Npgsql;

namespace FlopsBus.Testing;

/// <summary>
/// A RabbitMQ virtual host and a PostgreSQL database of their own on the shared services, so tests and
/// benchmarks never see each other's queues or sagas; both are deleted afterwards. The virtual host may be on another
/// broker than the shared one (a <see cref="PrivateBroker"/>), the database is on the shared PostgreSQL.
/// </summary>
public sealed class IsolatedBrokerAndDatabase : IAsyncDisposable
{
    private IsolatedBrokerAndDatabase(string prefix, TestBroker broker) =>
        (VirtualHost, Broker, Management) = ($"{prefix}-{Guid.NewGuid():N}"[..24], broker, new RabbitMqManagement(broker));

    public string VirtualHost { get; }
    /// <summary>The broker the virtual host is on.</summary>
    public TestBroker Broker { get; }
    public string Database => VirtualHost.Replace('-', '_');
    public string ConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres) { Database = Database }.ConnectionString;
    public RabbitMqManagement Management { get; }

    /// <summary>The configuration that points a FlopsBus host at this virtual host.</summary>
    public Dictionary<string, string?> BusSettings => Broker.BusSettings(VirtualHost);

    /// <summary>The configuration an agent of node <paramref name="nodeId"/> starts with: the node's own account on this virtual host.</summary>
    public async Task<Dictionary<string, string?>> NodeBusSettings(string nodeId)
    {
        var account = await Management.AddNode(VirtualHost, nodeId);
        var settings = BusSettings;
        settings["Bus:Username"] = account.Username;
        settings["Bus:Password"] = account.Password;
        return settings;
    }

    /// <summary>
    /// Creates the virtual host, on <paramref name="broker"/> or the shared broker; the database is created by the saga's
    /// migrations when a host starts.
    /// </summary>
    public static async Task<IsolatedBrokerAndDatabase> Create(string prefix, TestBroker? broker = null)
    {
        var isolated = new IsolatedBrokerAndDatabase(prefix, broker ?? TestBroker.Shared);
        await isolated.Management.CreateVirtualHost(isolated.VirtualHost);
        return isolated;
    }

    public async ValueTask DisposeAsync()
    {
        await Management.DeleteVirtualHost(VirtualHost);
        Management.Dispose();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestEnvironment.Postgres);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

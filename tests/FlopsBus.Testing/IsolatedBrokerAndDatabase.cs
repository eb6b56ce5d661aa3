using Npgsql;

namespace FlopsBus.Testing;

/// <summary>
/// A RabbitMQ virtual host and a PostgreSQL database of their own on the shared services, so tests and
/// benchmarks never see each other's queues or sagas; both are deleted afterwards.
/// </summary>
public sealed class IsolatedBrokerAndDatabase : IAsyncDisposable
{
    private IsolatedBrokerAndDatabase(string prefix) => VirtualHost = $"{prefix}-{Guid.NewGuid():N}"[..24];

    public string VirtualHost { get; }
    public string Database => VirtualHost.Replace('-', '_');
    public string ConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres) { Database = Database }.ConnectionString;
    public RabbitMqManagement Management { get; } = new();

    /// <summary>The configuration that points a FlopsBus host at this virtual host.</summary>
    public Dictionary<string, string?> BusSettings => new()
    {
        ["Bus:Transport"] = "RabbitMq",
        ["Bus:Host"] = TestEnvironment.RabbitHost,
        ["Bus:Port"] = TestEnvironment.RabbitPort.ToString(),
        ["Bus:VirtualHost"] = VirtualHost,
        ["Bus:Username"] = TestEnvironment.RabbitUser,
        ["Bus:Password"] = TestEnvironment.RabbitPassword,
        ["Bus:QueueType"] = TestEnvironment.QueueType,
    };

    /// <summary>The configuration an agent of node <paramref name="nodeId"/> starts with: the node's own account on this virtual host.</summary>
    public async Task<Dictionary<string, string?>> NodeBusSettings(string nodeId)
    {
        var account = await Management.AddNode(VirtualHost, nodeId);
        var settings = BusSettings;
        settings["Bus:Username"] = account.Username;
        settings["Bus:Password"] = account.Password;
        return settings;
    }

    /// <summary>Creates the virtual host; the database is created by the saga's migrations when a host starts.</summary>
    public static async Task<IsolatedBrokerAndDatabase> Create(string prefix)
    {
        var isolated = new IsolatedBrokerAndDatabase(prefix);
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

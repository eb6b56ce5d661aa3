namespace FlopsBus.Testing;

/// <summary>
/// A RabbitMQ broker the tests use: where it listens and its administrator's login. <see cref="Shared"/> is the one
/// tests/infra/up.sh starts for every test; <see cref="PrivateBroker"/> gives a test one of its own, to stop and start.
/// </summary>
public sealed record TestBroker(string Host, int Port, int ManagementPort, string AdminUser, string AdminPassword)
{
    public static TestBroker Shared => new(TestEnvironment.RabbitHost, TestEnvironment.RabbitPort, TestEnvironment.RabbitManagementPort,
        TestEnvironment.RabbitUser, TestEnvironment.RabbitPassword);

    public Uri ManagementApi => new($"http://{Host}:{ManagementPort}/api/");

    /// <summary>The configuration that points a FlopsBus host at <paramref name="virtualHost"/> of this broker, as its administrator.</summary>
    public Dictionary<string, string?> BusSettings(string virtualHost) => new()
    {
        ["Bus:Transport"] = "RabbitMq",
        ["Bus:Host"] = Host,
        ["Bus:Port"] = Port.ToString(),
        ["Bus:VirtualHost"] = virtualHost,
        ["Bus:Username"] = AdminUser,
        ["Bus:Password"] = AdminPassword,
        ["Bus:QueueType"] = TestEnvironment.QueueType,
    };
}

namespace FlopsBus.Testing;

/// <summary>Where the services that `make test` starts (tests/infra/up.sh) listen; overridable by environment.</summary>
public static class TestEnvironment
{
    public static string RabbitHost => Get("FLOPS_TEST_RABBITMQ_HOST", "127.0.0.1");
    public static int RabbitPort => int.Parse(Get("FLOPS_TEST_RABBITMQ_PORT", "5672"));
    public static int RabbitManagementPort => int.Parse(Get("FLOPS_TEST_RABBITMQ_MANAGEMENT_PORT", "15672"));
    public static string RabbitUser => Get("FLOPS_TEST_RABBITMQ_USER", "guest");
    /// <summary>Bus:QueueType for every system a test starts: classic, or quorum to run the suite on quorum queues.</summary>
    public static string QueueType => Get("FLOPS_TEST_QUEUE_TYPE", "classic");
    public static string RabbitPassword => Get("FLOPS_TEST_RABBITMQ_PASSWORD", "guest");
    public static string DockerEndpoint => Get("FLOPS_TEST_DOCKER_ENDPOINT", "unix:///var/run/docker.sock");
    /// <summary>The broker image a <see cref="PrivateBroker"/> runs: the compose stack's, which up.sh builds on <see cref="DockerEndpoint"/>.</summary>
    public static string BrokerImage => Get("FLOPS_TEST_BROKER_IMAGE", "flopsbus/rabbitmq:3.10");
    /// <summary>Where up.sh keeps its state: the node engines' sockets are under engines/.</summary>
    public static string InfraState => Get("FLOPS_INFRA_STATE", "/var/tmp/flopsbus-infra");

    /// <summary>
    /// The Docker engine of simulated node <paramref name="number"/> (from 1): each has its own image cache and
    /// containers, as a real node's engine does. up.sh starts FLOPS_ENGINES of them (3 unless told).
    /// </summary>
    public static string NodeEngine(int number) => $"unix://{InfraState}/engines/{number}/docker.sock";
    public static string Postgres => Get("FLOPS_TEST_POSTGRES", "Host=127.0.0.1;Port=5432;Username=flops;Database=flopsbus");
    public static string Registry => Get("FLOPS_TEST_REGISTRY", "127.0.0.1:5000");

    public static string AggregatorImage => $"{Registry}/flops/sample-aggregator:1";
    public static string LearnerImage => $"{Registry}/flops/sample-learner:1";

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FlopsBus.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("FlopsBus.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>bin/Debug or bin/Release: the agent host was built the same way as this test assembly.</summary>
    public static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    private static string Get(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}

using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>The service hosts answer /health with the state of their bus (what compose's health checks ask).</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private IsolatedBrokerAndDatabase _isolated = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

    public async Task InitializeAsync() => _isolated = await IsolatedBrokerAndDatabase.Create("flops-health");

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _isolated.DisposeAsync();
    }

    [Theory]
    [InlineData("planner", "FlopsBus.Planner.Host")]
    [InlineData("deployment", "FlopsBus.Deployment.Host")]
    public async Task A_service_host_reports_healthy_once_its_bus_is_connected(string service, string assembly)
    {
        await using var host = ServiceHost.Start(service, assembly, _isolated.BusSettings, _isolated.ConnectionString);

        // Fails naming the answers it gave if it never says Healthy.
        await AnswersUntil(host, "Healthy");
    }

    [Theory]
    [InlineData("planner", "FlopsBus.Planner.Host")]
    [InlineData("deployment", "FlopsBus.Deployment.Host")]
    public async Task A_service_host_that_loses_its_broker_stops_reporting_healthy(string service, string assembly)
    {
        await using var host = ServiceHost.Start(service, assembly, _isolated.BusSettings, _isolated.ConnectionString);
        await AnswersUntil(host, "Healthy");

        // Its virtual host deleted, the broker closes the connection and refuses every reconnection; MassTransit
        // reports a bus that is reconnecting as Degraded, one that gave up as Unhealthy.
        await _isolated.Management.DeleteVirtualHost(_isolated.VirtualHost);

        await AnswersUntil(host, "Degraded", "Unhealthy");
    }

    /// <summary>Asks /health until it answers one of <paramref name="wanted"/>, or fails naming the answers it gave instead.</summary>
    private async Task AnswersUntil(ServiceHost host, params string[] wanted)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        var answers = new List<string>();
        while (!wanted.Contains(answers.LastOrDefault()))
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"No {string.Join(" or ", wanted)} from /health within {Patience}; it answered: {string.Join(", ", answers.Distinct())}.");
            // Not listening yet is no answer: ask again shortly.
            try
            {
                using var response = await _http.GetAsync($"{host.Url}/health");
                answers.Add(await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException) { }
            if (!wanted.Contains(answers.LastOrDefault())) await Task.Delay(100);
        }
    }
}

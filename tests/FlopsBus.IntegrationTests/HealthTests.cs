using System.Diagnostics;
using System.Net.Sockets;
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
        await using var host = ServiceHost.Start(service, assembly, _isolated);

        // Fails naming the answers it gave if it never says Healthy.
        await AnswersUntil(host, "Healthy");
    }

    [Theory]
    [InlineData("planner", "FlopsBus.Planner.Host")]
    [InlineData("deployment", "FlopsBus.Deployment.Host")]
    public async Task A_service_host_that_loses_its_broker_stops_reporting_healthy(string service, string assembly)
    {
        await using var host = ServiceHost.Start(service, assembly, _isolated);
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

    /// <summary>A planner or saga host process on the isolated broker and database, with its health endpoint on a free port.</summary>
    private sealed class ServiceHost : IAsyncDisposable
    {
        private readonly Process _process;
        public string Url { get; }

        private ServiceHost(Process process, string url) => (_process, Url) = (process, url);

        public static ServiceHost Start(string service, string assembly, IsolatedBrokerAndDatabase isolated)
        {
            var url = $"http://127.0.0.1:{FreePort()}";
            var info = ServiceProcess.StartInfo($"services/{service}/{assembly}", assembly, isolated.BusSettings);
            info.Environment["FLOPS_Health__Url"] = url;
            info.Environment["FLOPS_ConnectionStrings__Deployment"] = isolated.ConnectionString;
            var process = Process.Start(info)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new ServiceHost(process, url);
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

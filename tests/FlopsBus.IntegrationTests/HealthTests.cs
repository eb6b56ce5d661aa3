using System.Diagnostics;
using System.Net.Sockets;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>The service hosts answer /health with the state of their bus (what compose's health checks ask).</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private readonly PlannerAndSagaOnRabbitMq _system = new();

    public Task InitializeAsync() => _system.InitializeAsync();
    public Task DisposeAsync() => _system.DisposeAsync();

    [Theory]
    [InlineData("planner", "FlopsBus.Planner.Host")]
    [InlineData("deployment", "FlopsBus.Deployment.Host")]
    public async Task A_service_host_reports_healthy_once_its_bus_is_connected(string service, string assembly)
    {
        var port = FreePort();
        var info = ServiceProcess.StartInfo($"services/{service}/{assembly}", assembly, _system.BusSettings);
        info.Environment["FLOPS_Health__Url"] = $"http://127.0.0.1:{port}";
        info.Environment["FLOPS_ConnectionStrings__Deployment"] = _system.ConnectionString;
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? answer = null;
            while (answer != "Healthy")
            {
                try { answer = await http.GetStringAsync($"http://127.0.0.1:{port}/health", deadline.Token); }
                catch (HttpRequestException) { await Task.Delay(100, deadline.Token); }
            }
            Assert.Equal("Healthy", answer);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

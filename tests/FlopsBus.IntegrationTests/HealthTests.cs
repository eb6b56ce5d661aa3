using FlopsBus.Hosting;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>The service hosts answer /health with the state of their bus (what compose's health checks ask).</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private IsolatedBrokerAndDatabase _isolated = null!;

    public async Task InitializeAsync() => _isolated = await IsolatedBrokerAndDatabase.Create("flops-health");

    public async Task DisposeAsync() => await _isolated.DisposeAsync();

    [Theory]
    [InlineData("planner", "FlopsBus.Planner.Host")]
    [InlineData("deployment", "FlopsBus.Deployment.Host")]
    public async Task A_service_host_reports_healthy_once_its_bus_is_connected(string service, string assembly)
    {
        await using var host = ServiceHost.Start(service, assembly, _isolated.BusSettings, _isolated.ConnectionString);

        // Fails naming the answers it gave if it never says Healthy.
        await host.HealthUntil(Patience, "Healthy");
    }

    [Theory]
    [InlineData("planner", "FlopsBus.Planner.Host")]
    [InlineData("deployment", "FlopsBus.Deployment.Host")]
    public async Task A_service_host_that_loses_its_broker_stops_reporting_healthy(string service, string assembly)
    {
        await using var host = ServiceHost.Start(service, assembly, _isolated.BusSettings, _isolated.ConnectionString);
        await host.HealthUntil(Patience, "Healthy");

        // Its virtual host deleted, the broker closes the connection and refuses every reconnection; MassTransit
        // reports a bus that is reconnecting as Degraded, one that gave up as Unhealthy.
        await _isolated.Management.DeleteVirtualHost(_isolated.VirtualHost);

        await host.HealthUntil(Patience, "Degraded", "Unhealthy");
    }

    [Fact]
    public async Task The_saga_host_reports_degraded_naming_the_database_while_it_is_down_and_healthy_once_it_is_back()
    {
        await using var postgres = await PrivatePostgres.Create();
        await using var host = ServiceHost.Start("deployment", "FlopsBus.Deployment.Host", _isolated.BusSettings, postgres.ConnectionString);
        await host.HealthUntil(Patience, "Healthy");

        await postgres.Stop();
        var answer = await host.HealthUntil(Patience, "Degraded");
        await postgres.Start();

        Assert.StartsWith("Degraded: database (", answer);
        await host.HealthUntil(Patience, "Healthy");
    }

    [Fact]
    public async Task A_service_host_whose_bus_stays_unhealthy_exits_with_75_to_be_started_afresh()
    {
        var settings = _isolated.BusSettings;
        settings["Bus:UnhealthyExitAfter"] = "00:00:03";
        await using var host = ServiceHost.Start("planner", "FlopsBus.Planner.Host", settings, _isolated.ConnectionString);
        await host.HealthUntil(Patience, "Healthy");

        await _isolated.Management.DeleteVirtualHost(_isolated.VirtualHost);

        Assert.Equal(BusWatchdog.ExitCode, await host.WaitForExit(Patience));
        Assert.Contains("exiting with code 75", host.Output);
    }
}

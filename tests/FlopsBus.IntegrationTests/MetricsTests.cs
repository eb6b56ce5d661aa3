namespace FlopsBus.IntegrationTests;

/// <summary>Every service host serves /metrics for Prometheus, MassTransit's meters and ours.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private OneNodeOnProcesses _system = null!;

    public async Task InitializeAsync() => _system = await OneNodeOnProcesses.Create("flops-metrics");
    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task After_a_project_is_ready_the_saga_hosts_metrics_hold_its_time_to_ready_and_the_planners_its_placement()
    {
        var bus = _system.Isolated.BusSettings;
        await _system.Start(planner: bus, deployment: bus);
        await _system.SubmitUntilReady(bus, "metrics");

        using var http = new HttpClient();
        var deployment = await http.GetStringAsync($"{_system.Deployment.Url}/metrics");
        var planner = await http.GetStringAsync($"{_system.Planner.Url}/metrics");

        Assert.Contains("flops_project_time_to_ready", deployment);
        Assert.Contains("messaging_masstransit_consume", deployment);
        Assert.Contains("flops_placement_duration", planner);
    }
}

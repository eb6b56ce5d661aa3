using System.Text.Json;

namespace FlopsBus.IntegrationTests;

/// <summary>Logging:Format=json: one JSON object a line, the project and the trace on every line about a deployment.</summary>
public sealed class JsonLogTests : IAsyncLifetime
{
    private OneNodeOnProcesses _system = null!;

    public async Task InitializeAsync() => _system = await OneNodeOnProcesses.Create("flops-jsonlog");
    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task An_agent_logging_json_writes_objects_only_and_names_the_project_and_trace_on_its_deployment_lines()
    {
        var bus = _system.Isolated.BusSettings;
        await _system.Start(planner: bus, deployment: bus, agent: new Dictionary<string, string?> { ["Logging:Format"] = "json" });
        var ready = await _system.SubmitUntilReady(bus, "json-logs");

        var lines = _system.Agent.Lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var running = lines.Where(l => l.GetProperty("Message").GetString()!.Contains("running on")).ToList();
        Assert.NotEmpty(running);
        // The project's actors and its customer's tracking server (a deployment of its own): each line names its project.
        Assert.All(running, line =>
        {
            var scopes = line.GetProperty("Scopes").EnumerateArray().ToList();
            Assert.Contains(scopes, s => s.TryGetProperty("ProjectId", out var id) && Guid.TryParse(id.GetString(), out _));
            Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var trace) && trace.GetString()!.Length == 32);
        });
        Assert.Contains(running, line => line.GetProperty("Scopes").EnumerateArray()
            .Any(s => s.TryGetProperty("ProjectId", out var id) && id.GetString() == ready.ProjectId.ToString()));
    }
}

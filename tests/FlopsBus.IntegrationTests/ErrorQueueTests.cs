using System.Text.Json;
using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>Poison goes to an error queue at once; <c>flops errors</c> shows it with its reason, and replay puts it back.</summary>
public sealed class ErrorQueueTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string PlannerErrors = EndpointNames.Planner + "_error";
    private readonly PlannerAndSagaOnRabbitMq _system = new();

    public Task InitializeAsync() => _system.InitializeAsync();
    public Task DisposeAsync() => _system.DisposeAsync();

    [Fact]
    public async Task A_body_that_can_never_be_handled_is_listed_by_flops_errors_with_its_reason_and_replay_puts_it_back()
    {
        const string poison = """{"projectId":"not-a-guid","customerId":"c","learners":1,"dataTags":["mnist"],"aggregatorImage":"a","learnerImage":"l"}""";
        Assert.True(await _system.Management.Publish(_system.VirtualHost, EndpointNames.SharedExchange(typeof(ProjectSubmitted)), poison));
        await _system.Events.WaitFor<ProjectRejected>(r => r.Reason.Contains("projectId"), Patience);

        var listed = await CliProcess.Run(_system.BusSettings, "errors", "--json");
        Assert.True(listed.ExitCode == 0, listed.Error);
        var entry = Assert.Single(JsonDocument.Parse(listed.Out).RootElement.EnumerateArray());
        Assert.Equal(PlannerErrors, entry.GetProperty("queue").GetString());
        // The fault as MassTransit recorded it when it gave up: the deserializer's refusal of the projectId.
        Assert.Contains("Guid", entry.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrEmpty(entry.GetProperty("exceptionType").GetString()));
        Assert.Contains("not-a-guid", entry.GetProperty("body").GetString());

        var replayed = await CliProcess.Run(_system.BusSettings, "errors", "replay", PlannerErrors);

        Assert.True(replayed.ExitCode == 0, replayed.Error);
        // Back in the planner's queue, it is read again: a second rejection, and it is kept in the error queue again.
        await _system.Events.WaitFor<ProjectRejected>(r => r.Reason.Contains("projectId"), Patience, count: 2);
        Assert.Single(await _system.Management.PeekMessages(_system.VirtualHost, PlannerErrors));
    }
}

using FlopsBus.Testing;
using System.Text.Json;
using FlopsBus.Contracts;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// Upstream stages and operators publish plain JSON (no MassTransit envelope) from the management UI.
/// These tests publish through the management HTTP API, the call the UI makes, to the real broker.
/// </summary>
public sealed class PlainJsonSubmissionTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Exchange = "FlopsBus.Contracts:ProjectSubmitted";

    private readonly PlannerAndSagaOnRabbitMq _system = new();

    public Task InitializeAsync() => _system.InitializeAsync();
    public Task DisposeAsync() => _system.DisposeAsync();

    private static Dictionary<string, object?> Valid(Guid projectId) => new()
    {
        ["projectId"] = projectId,
        ["customerId"] = "ui-user",
        ["aggregatorImage"] = TestEnvironment.AggregatorImage,
        ["learnerImage"] = TestEnvironment.LearnerImage,
        ["learners"] = 1,
        ["dataTags"] = new[] { "mnist" },
    };

    private Task<bool> Publish(string body) => _system.Management.Publish(_system.VirtualHost, Exchange, body);

    [Fact]
    public async Task A_body_that_is_not_json_is_rejected_and_kept_in_the_error_queue()
    {
        Assert.True(await Publish("this is not json {"));

        var rejected = await _system.Events.WaitFor<ProjectRejected>(r => r.ProjectId is null, Patience);
        Assert.Contains("the submission is not valid JSON", rejected[0].Reason);
        Assert.Contains("flops-planner_error", rejected[0].Reason);
        // The rejection is published as the receive faults; the move to the error queue follows it.
        using var deadline = new CancellationTokenSource(Patience);
        while (!(await _system.Management.PeekMessages(_system.VirtualHost, EndpointNames.Planner + "_error")).Contains("this is not json {"))
            await Task.Delay(50, deadline.Token);
    }

    [Theory]
    [InlineData("aggregatorImage", null, "aggregatorImage is missing")]
    [InlineData("learnerImage", "", "learnerImage is missing")]
    [InlineData("learners", 0, "learners must be between 1 and")]
    public async Task A_bad_field_is_rejected_with_a_reason_that_names_it(string field, object? value, string reason)
    {
        var projectId = Guid.NewGuid();
        var body = Valid(projectId);
        body[field] = value;
        Assert.True(await Publish(JsonSerializer.Serialize(body)));

        var rejected = await _system.Events.WaitFor<ProjectRejected>(r => r.ProjectId == projectId, Patience);
        Assert.StartsWith(reason, rejected[0].Reason);
    }

    [Fact]
    public async Task After_bad_submissions_a_valid_one_is_still_placed()
    {
        await _system.Bus.Publish(new NodeRegistered
        {
            Node = new NodeSnapshot
            {
                NodeId = "ui-node", Address = "127.0.0.1", AddOns = [NodeAddOns.FlopsLearner],
                Capacity = new ActorResources { CpuMillis = 4000, MemoryMb = 4096 }, PortRangeStart = 44900, PortRangeEnd = 44909,
            }
        });
        await _system.WaitForNodes(1, Patience);
        Assert.True(await Publish("{ not json"));
        var bad = Valid(Guid.NewGuid());
        bad["learners"] = -1;
        Assert.True(await Publish(JsonSerializer.Serialize(bad)));

        var good = Guid.NewGuid();
        Assert.True(await Publish(JsonSerializer.Serialize(Valid(good))));

        var placed = await _system.Events.WaitFor<ProjectPlaced>(p => p.ProjectId == good, Patience);
        Assert.Equal(2, placed[0].Actors.Count);
        Assert.Equal("ui-user", placed[0].CustomerId);
    }
}

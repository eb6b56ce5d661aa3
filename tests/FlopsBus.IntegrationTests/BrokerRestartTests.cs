using System.Collections.Concurrent;
using FlopsBus.Contracts;
using FlopsBus.Testing;
using MassTransit;
using Xunit.Abstractions;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The broker itself restarts in the middle of a deployment: a broker of the test's own (<see cref="PrivateBroker"/>,
/// a container) is stopped and started again once the project is placed and its first actor runs. Every connection
/// drops, the non-durable queues go (the planner's view, request replies), the durable ones keep their messages. The
/// planner and saga host (in this process) and the three agents (processes, each on its node's engine) all use it.
/// </summary>
public sealed class BrokerRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How soon after the broker is back every service must consume again (issue #13).</summary>
    private static readonly TimeSpan BackWithin = TimeSpan.FromSeconds(5);

    private PrivateBroker _broker = null!;
    private ThreeNodeCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _broker = await PrivateBroker.Create();
        _cluster = new ThreeNodeCluster(broker: _broker.Broker);
        await _cluster.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _broker.DisposeAsync();
    }

    [Fact]
    public async Task A_deployment_becomes_ready_and_every_service_consumes_again_within_5_s_of_the_broker_being_back()
    {
        var system = _cluster.System;
        var project = _cluster.SampleProject(learners: 2);
        await system.Bus.Publish(project);
        await _cluster.WaitFor<ActorStarted>(s => s.ProjectId == project.ProjectId);

        await _broker.Stop();
        await _broker.Start();
        var back = _broker.StartedAt;
        var consumed = new FirstConsumption();
        using var observing = system.Bus.ConnectConsumeObserver(consumed);

        // One message for each service, sent as soon as the broker takes it: it waits in the service's durable queue until
        // the service consumes again. When each was consumed is read where it was consumed: the planner and the saga
        // host in this process's bus, each agent in its output ("Actor ... removed from ...": removing an actor the node
        // never had is done at once and reported).
        var probes = _cluster.Agents.ToDictionary(a => a.NodeId, _ => Guid.NewGuid());
        await SendOnceTheBrokerTakesIt(EndpointNames.PlannerControlAddress, new GetNodes());
        await SendOnceTheBrokerTakesIt(EndpointNames.DeploymentAddress, new GetProjectStatus { ProjectId = project.ProjectId });
        foreach (var (nodeId, probe) in probes)
            await SendOnceTheBrokerTakesIt(EndpointNames.AgentAddress(nodeId),
                new RemoveActor { ProjectId = Guid.NewGuid(), ActorId = probe, NodeId = nodeId, Reason = "broker restart probe" });

        var consumedAgain = new Dictionary<string, DateTimeOffset>
        {
            ["planner"] = await consumed.WaitFor<GetNodes>(ThreeNodeCluster.Patience),
            ["saga host"] = await consumed.WaitFor<GetProjectStatus>(ThreeNodeCluster.Patience),
        };
        foreach (var agent in _cluster.Agents)
        {
            var line = $"Actor {probes[agent.NodeId]} removed from {agent.NodeId}";
            await agent.WaitForOutput(line, ThreeNodeCluster.Patience);
            consumedAgain[$"agent {agent.NodeId}"] = agent.StartedAt + agent.FirstPrinted(line)!.Value;
        }
        var after = consumedAgain.ToDictionary(c => c.Key, c => c.Value - back);
        var measured = string.Join(", ", after.Select(a => $"{a.Key} {a.Value.TotalMilliseconds:F0} ms"));
        output.WriteLine($"Consuming again after the broker was back: {measured}");

        await _cluster.WaitForReady(project.ProjectId);
        var status = await _cluster.WaitForStatus(project.ProjectId, ProjectStatuses.Ready);
        Assert.Equal(3, status.Actors.Count);
        Assert.DoesNotContain(system.Events.All<ProjectFailed>(), f => f.ProjectId == project.ProjectId);
        Assert.True(after.Values.All(a => a <= BackWithin),
            $"Every service should consume again within {BackWithin.TotalSeconds} s of the broker being back: {measured}.\n{_cluster.ClusterOutput}");
    }

    /// <summary>Sends through the planner and saga host's bus, again until the broker takes it (the bus may still be reconnecting).</summary>
    private async Task SendOnceTheBrokerTakesIt<T>(Uri address, T message) where T : class
    {
        var deadline = DateTimeOffset.UtcNow + ThreeNodeCluster.Patience;
        while (true)
        {
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var endpoint = await _cluster.System.Bus.GetSendEndpoint(address);
                await endpoint.Send(message, attempt.Token);
                return;
            }
            catch (Exception) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>When each message type was first consumed, by any endpoint of the bus it observes, on the wall clock.</summary>
    private sealed class FirstConsumption : IConsumeObserver
    {
        private readonly ConcurrentDictionary<Type, TaskCompletionSource<DateTimeOffset>> _first = new();

        private TaskCompletionSource<DateTimeOffset> Of(Type type) =>
            _first.GetOrAdd(type, _ => new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously));

        public Task<DateTimeOffset> WaitFor<T>(TimeSpan timeout) => Of(typeof(T)).Task.WaitAsync(timeout);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            Of(typeof(T)).TrySetResult(DateTimeOffset.UtcNow);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}

using System.Collections.Concurrent;
using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// The planner on the real broker with a fault injected into its submission endpoint, inside the outbox: the
/// consumer has placed the project and sent its commands when the fault strikes, once.
/// </summary>
public sealed class PlannerFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly string[] NodeIds = ["fault-node-0", "fault-node-1", "fault-node-2"];

    private readonly FaultOnceAfterTheConsumer _fault = new();
    private readonly PlannerAndSagaOnRabbitMq _system;
    private readonly ConcurrentQueue<DeployActor> _commands = new();

    public PlannerFaultTests()
    {
        // Added after the planner's own endpoint configuration, so the fault sits inside its retry and outbox.
        _system = new PlannerAndSagaOnRabbitMq(configureBus: bus => bus.AddConfigureEndpointsCallback((_, name, endpoint) =>
        {
            if (name == EndpointNames.Planner) endpoint.UseFilter(_fault);
        }));
    }

    public async Task InitializeAsync()
    {
        await _system.InitializeAsync();
        foreach (var node in NodeIds)
        {
            // The node's agent queue, read here instead of by an agent: what reaches it is what the planner sent.
            await _system.Bus.ConnectReceiveEndpoint(EndpointNames.Agent(node), e => e.Handler<DeployActor>(c =>
            {
                _commands.Enqueue(c.Message);
                return Task.CompletedTask;
            })).Ready;
            await _system.Bus.Publish(new NodeRegistered
            {
                Node = new NodeSnapshot
                {
                    NodeId = node, Address = "127.0.0.1", AddOns = [NodeAddOns.FlopsLearner], Capacity = new ActorResources { CpuMillis = 8000, MemoryMb = 8192 },
                    PortRangeStart = 41000, PortRangeEnd = 41009,
                }
            });
        }
        await _system.WaitForNodes(NodeIds.Length, Patience);
    }

    public Task DisposeAsync() => _system.DisposeAsync();

    [Fact]
    public async Task A_fault_after_the_planner_sent_a_project_s_commands_lets_none_out_and_the_retry_sends_each_once()
    {
        var projectId = Guid.NewGuid();
        await _system.Bus.Publish(new ProjectSubmitted
        {
            ProjectId = projectId, CustomerId = "fault", Learners = 2, DataTags = ["mnist"],
            AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1", LearnerImage = "127.0.0.1:5000/flops/sample-learner:1",
        });

        var placed = (await _system.Events.WaitFor<ProjectPlaced>(p => p.ProjectId == projectId, Patience))[0];
        var observatory = (await _system.Events.WaitFor<ProjectPlaced>(p => p.ProjectId == placed.ObservatoryId, Patience))[0];
        var actors = placed.Actors.Concat(observatory.Actors).Select(a => a.Actor.ActorId).ToHashSet();
        using var deadline = new CancellationTokenSource(Patience);
        while (!actors.IsSubsetOf(_commands.Select(c => c.Actor.ActorId)))
            await Task.Delay(50, deadline.Token);

        Assert.Equal(1, _fault.Faults);
        // Commands reach a queue in the order they were sent: any of the faulted attempt's would be here already.
        Assert.Equal(actors.Order(), _commands.Select(c => c.Actor.ActorId).Order());
        Assert.Single(_system.Events.All<ProjectPlaced>(), p => p.ProjectId == projectId);
    }

    /// <summary>Lets the first submission's consumer run to its end, then throws, as a fault at its last step would.</summary>
    private sealed class FaultOnceAfterTheConsumer : IFilter<ConsumeContext>
    {
        private int _faults;
        public int Faults => _faults;

        public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
        {
            await next.Send(context);
            if (context.TryGetMessage<ProjectSubmitted>(out _) && Interlocked.CompareExchange(ref _faults, 1, 0) == 0)
                throw new InvalidOperationException("Fault injected after the consumer sent its commands.");
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("fault-once-after-the-consumer");
    }
}

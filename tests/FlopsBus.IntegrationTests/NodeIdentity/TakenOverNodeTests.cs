using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace FlopsBus.IntegrationTests.NodeIdentity;

/// <summary>
/// Node A is taken over: with its own account (from <c>flops node add</c>) it tries to read, command and speak for
/// node B. The broker refuses what it can; the planner and the saga drop the rest and count it.
/// </summary>
public sealed class TakenOverNodeTests(TwoNodeAccounts nodes) : IClassFixture<TwoNodeAccounts>
{
    private PlannerAndSagaOnRabbitMq System => nodes.System;

    [Fact]
    public async Task Consuming_another_nodes_queue_is_refused_by_the_broker()
    {
        await DeclareAgentQueueOf(nodes.NodeB);
        await using var connection = await nodes.Connect(nodes.AccountA);
        await using var channel = await connection.CreateChannelAsync();

        await AccessRefused(() => channel.BasicConsumeAsync(EndpointNames.Agent(nodes.NodeB), autoAck: true, new AsyncEventingBasicConsumer(channel)));
    }

    [Fact]
    public async Task A_command_sent_toward_another_node_never_reaches_it()
    {
        await DeclareAgentQueueOf(nodes.NodeB);
        var command = new DeployActor { NodeId = nodes.NodeB, Actor = new ActorSpec { Role = ActorRoles.Learner, Image = "evil/miner:latest" } };

        // As MassTransit sends it (the queue's exchange: refused, so it retries until it gives up), and straight into
        // the queue through the default exchange.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var endpoint = await nodes.BusA.GetSendEndpoint(EndpointNames.AgentAddress(nodes.NodeB));
        await Assert.ThrowsAnyAsync<Exception>(() => endpoint.Send(command, patience.Token));
        await using var connection = await nodes.Connect(nodes.AccountA);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await AccessRefused(async () => await channel.BasicPublishAsync("", EndpointNames.Agent(nodes.NodeB), "{}"u8.ToArray()));

        Assert.Empty(await System.Management.PeekMessages(System.VirtualHost, EndpointNames.Agent(nodes.NodeB)));
    }

    [Fact]
    public async Task Deleting_redeclaring_or_rebinding_a_shared_exchange_is_refused_by_the_broker()
    {
        await using var connection = await nodes.Connect(nodes.AccountA);
        var shared = EndpointNames.SharedExchange(typeof(ActorStarted));
        var ownQueue = EndpointNames.Agent(nodes.NodeA);
        await using (var allowed = await connection.CreateChannelAsync())
            await allowed.QueueDeclareAsync(ownQueue, durable: true, exclusive: false, autoDelete: false);

        await RefusedOnNewChannel(connection, c => c.ExchangeDeleteAsync(shared));
        await RefusedOnNewChannel(connection, c => c.ExchangeDeclareAsync(shared, ExchangeType.Topic, durable: true));
        await RefusedOnNewChannel(connection, c => c.QueueBindAsync(ownQueue, EndpointNames.SharedExchange(typeof(DeployActor)), ""));
        await RefusedOnNewChannel(connection, c => c.ExchangeUnbindAsync(shared, EndpointNames.NodeExchange(nodes.NodeB, typeof(ActorStarted)), ""));
        await RefusedOnNewChannel(connection, c => c.ExchangeBindAsync(shared, EndpointNames.NodeExchange(nodes.NodeA, typeof(NodeHeartbeat)), ""));

        var binding = await System.Management.Broker.Http.GetStringAsync(
            $"bindings/{Uri.EscapeDataString(System.VirtualHost)}/e/{Uri.EscapeDataString(EndpointNames.NodeExchange(nodes.NodeB, typeof(ActorStarted)))}/e/{Uri.EscapeDataString(shared)}");
        Assert.Contains(shared, binding);
    }

    [Fact]
    public async Task Actor_events_forged_for_another_nodes_actors_do_not_move_its_project_and_are_counted()
    {
        var projectId = Guid.NewGuid();
        var aggregator = new ActorSpec { ProjectId = projectId, ActorId = Guid.NewGuid(), Role = ActorRoles.Aggregator, Image = "flops/aggregator" };
        var learner = new ActorSpec { ProjectId = projectId, ActorId = Guid.NewGuid(), Role = ActorRoles.Learner, Instance = 1, Image = "flops/learner" };
        await System.Bus.Publish(new ProjectPlaced
        {
            ProjectId = projectId, CustomerId = "hospital",
            Actors = [new PlacedActor { Actor = aggregator, NodeId = nodes.NodeB }, new PlacedActor { Actor = learner, NodeId = nodes.NodeB }],
        });
        await StatusOf(projectId);
        using var refused = new MetricCollector<long>(FlopsTelemetry.Meter, "flops.security.refused");

        // Node A speaks for node B, then for itself about B's actors.
        foreach (var claimed in new[] { nodes.NodeB, nodes.NodeA })
            await ReportReady(nodes.BusA, claimed, aggregator, learner);
        await refused.WaitForMeasurementsAsync(8, TwoNodeAccounts.Patience);

        var refusals = refused.GetMeasurementSnapshot();
        Assert.Equal(4, refusals.Count(m => (string?)m.Tags["reason"] == RefusalReasons.OtherNode));
        Assert.Equal(4, refusals.Count(m => (string?)m.Tags["reason"] == RefusalReasons.NotPlacedThere));
        var status = await StatusOf(projectId);
        Assert.NotEqual(ProjectStatuses.Ready, status.Status);
        Assert.All(status.Actors, a => Assert.Equal(ActorStatuses.NodeScheduled, a.Status));

        // The same reports from node B itself make the project ready.
        await ReportReady(nodes.BusB, nodes.NodeB, aggregator, learner);
        await System.Events.WaitFor<ProjectReady>(r => r.ProjectId == projectId, TwoNodeAccounts.Patience);
    }

    [Fact]
    public async Task A_heartbeat_claiming_another_node_changes_nothing_the_planner_shows_for_it()
    {
        var genuine = new NodeSnapshot
        {
            NodeId = nodes.NodeB, Address = "10.0.0.2", AddOns = [NodeAddOns.FlopsLearner], Cluster = "ward-3",
            Capacity = new ActorResources { CpuMillis = 4000, MemoryMb = 8192 }, Free = new ActorResources { CpuMillis = 4000, MemoryMb = 8192 },
            HeartbeatInterval = TimeSpan.FromMinutes(1),
        };
        await nodes.BusB.Publish(new NodeRegistered { Node = genuine });
        var before = await NodeView(nodes.NodeB, view => view is not null);
        using var refused = new MetricCollector<long>(FlopsTelemetry.Meter, "flops.security.refused");

        await nodes.BusA.Publish(new NodeHeartbeat
        {
            NodeId = nodes.NodeB,
            Node = genuine with { Address = "6.6.6.6", AddOns = [], Cluster = "attacker", Free = new ActorResources { CpuMillis = 1, MemoryMb = 1 } },
        });
        await refused.WaitForMeasurementsAsync(1, TwoNodeAccounts.Patience);

        var after = await NodeView(nodes.NodeB, view => view is not null);
        Assert.Equal(nameof(NodeHeartbeat), refused.GetMeasurementSnapshot().Single().Tags["message_type"]);
        Assert.Equal((before!.Node.Address, before.Node.Cluster, before.Free, before.Node.AddOns.Count),
            (after!.Node.Address, after.Node.Cluster, after.Free, after.Node.AddOns.Count));
        Assert.Equal(before.LastSeen, after.LastSeen);
    }

    private static async Task ReportReady(IBus bus, string nodeId, ActorSpec aggregator, ActorSpec learner)
    {
        await bus.Publish(new ActorStarted { ProjectId = aggregator.ProjectId, ActorId = aggregator.ActorId, NodeId = nodeId, ContainerId = "c1", Role = aggregator.Role });
        await bus.Publish(new ActorStarted { ProjectId = learner.ProjectId, ActorId = learner.ActorId, NodeId = nodeId, ContainerId = "c2", Role = learner.Role });
        await bus.Publish(new DataFetched { ProjectId = learner.ProjectId, ActorId = learner.ActorId, NodeId = nodeId, Samples = 10 });
        await bus.Publish(new AggregatorConnected { ProjectId = learner.ProjectId, ActorId = learner.ActorId, NodeId = nodeId });
    }

    private async Task<ProjectStatus> StatusOf(Guid projectId)
    {
        var client = System.Bus.CreateRequestClient<GetProjectStatus>(EndpointNames.DeploymentAddress);
        using var patience = new CancellationTokenSource(TwoNodeAccounts.Patience);
        while (true)
        {
            var response = await client.GetResponse<ProjectStatus, ProjectNotFound>(new GetProjectStatus { ProjectId = projectId }, patience.Token);
            if (response.Is(out Response<ProjectStatus>? status)) return status.Message;
            await Task.Delay(100, patience.Token);
        }
    }

    /// <summary>What the planner shows for the node (as <c>flops nodes</c> does), once <paramref name="until"/> holds.</summary>
    private async Task<NodeView?> NodeView(string nodeId, Func<NodeView?, bool> until)
    {
        var client = System.Bus.CreateRequestClient<GetNodes>(EndpointNames.PlannerControlAddress);
        using var patience = new CancellationTokenSource(TwoNodeAccounts.Patience);
        while (true)
        {
            var view = (await client.GetResponse<NodeList>(new GetNodes(), patience.Token)).Message.Nodes.SingleOrDefault(n => n.Node.NodeId == nodeId);
            if (until(view)) return view;
            await Task.Delay(100, patience.Token);
        }
    }

    /// <summary>Node B's command queue, as B's agent declares it.</summary>
    private async Task DeclareAgentQueueOf(string nodeId)
    {
        await using var connection = await new ConnectionFactory
        {
            HostName = Testing.TestEnvironment.RabbitHost, Port = Testing.TestEnvironment.RabbitPort, VirtualHost = System.VirtualHost,
            UserName = Testing.TestEnvironment.RabbitUser, Password = Testing.TestEnvironment.RabbitPassword,
        }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(EndpointNames.Agent(nodeId), ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(EndpointNames.Agent(nodeId), durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(EndpointNames.Agent(nodeId), EndpointNames.Agent(nodeId), "");
    }

    private static async Task RefusedOnNewChannel(IConnection connection, Func<IChannel, Task> attempt)
    {
        await using var channel = await connection.CreateChannelAsync();
        await AccessRefused(() => attempt(channel));
    }

    private static async Task AccessRefused(Func<Task> attempt)
    {
        // The broker closes the channel: the attempt fails at once, or (a publish awaiting its confirmation) as closed.
        var refused = await Assert.ThrowsAnyAsync<OperationInterruptedException>(attempt);
        Assert.Equal<int?>(403, refused.ShutdownReason?.ReplyCode);
    }
}

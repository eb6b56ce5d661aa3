using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>
/// Correlates a project's placement and its actors' events into readiness. The planner's answer
/// (ProjectPlaced or PlacementFailed) starts the saga; actor events may come before it, twice or in any
/// order, and are folded in all the same. An actor failure fails the project and tears every actor down.
/// </summary>
public sealed class ProjectDeploymentStateMachine : MassTransitStateMachine<ProjectDeploymentState>
{
    public State Placing { get; private set; } = null!;
    public State Deploying { get; private set; } = null!;
    public State Ready { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State TearingDown { get; private set; } = null!;
    public State Undeployed { get; private set; } = null!;

    public Event<ProjectPlaced> Placed { get; private set; } = null!;
    public Event<PlacementFailed> PlacementFailed { get; private set; } = null!;
    public Event<ImagePulled> ImagePulled { get; private set; } = null!;
    public Event<ActorStarted> ActorStarted { get; private set; } = null!;
    public Event<DataFetched> DataFetched { get; private set; } = null!;
    public Event<AggregatorConnected> AggregatorConnected { get; private set; } = null!;
    public Event<ActorFailed> ActorFailed { get; private set; } = null!;
    public Event<ActorRemoved> ActorRemoved { get; private set; } = null!;
    public Event<GetProjectStatus> StatusRequested { get; private set; } = null!;

    public ProjectDeploymentStateMachine()
    {
        InstanceState(x => x.CurrentState);

        Event(() => Placed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => PlacementFailed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ImagePulled, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ActorStarted, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => DataFetched, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => AggregatorConnected, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ActorFailed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ActorRemoved, x =>
        {
            x.CorrelateById(m => m.Message.ProjectId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => StatusRequested, x =>
        {
            x.CorrelateById(m => m.Message.ProjectId);
            x.ReadOnly = true;
            x.OnMissingInstance(m => m.ExecuteAsync(ctx => ctx.RespondAsync(new ProjectNotFound { ProjectId = ctx.Message.ProjectId })));
        });

        // Before the placement is known: remember what actors report.
        During(Initial, Placing,
            When(Placed)
                .Then(ctx => RecordPlacement(ctx.Saga, ctx.Message))
                .TransitionTo(Deploying)
                .If(ctx => ctx.Saga.Actors.Any(a => a.FailedAt is not null), fail => fail.ThenAsync(TearDown).TransitionTo(TearingDown))
                .If(ctx => ctx.Saga.IsReady, ready => ready.ThenAsync(DeclareReady).TransitionTo(Ready)),
            When(PlacementFailed)
                .Then(ctx => ctx.Saga.Reason = $"{ctx.Message.ReasonCode}: {ctx.Message.Reason}")
                .PublishAsync(ctx => ctx.Init<ProjectFailed>(new ProjectFailed { ProjectId = ctx.Saga.CorrelationId, Reason = ctx.Saga.Reason! }))
                .TransitionTo(Failed),
            When(ImagePulled).Then(ctx => Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(ActorStarted).Then(ctx => Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(DataFetched).Then(ctx => Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(AggregatorConnected).Then(ctx => Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(ActorFailed).Then(ctx => Record(ctx.Saga, ctx.Message)).TransitionTo(Placing));

        During(Deploying,
            Ignore(Placed),
            When(ImagePulled).Then(ctx => Record(ctx.Saga, ctx.Message)),
            When(ActorStarted).Then(ctx => Record(ctx.Saga, ctx.Message))
                .If(ctx => ctx.Saga.IsReady, ready => ready.ThenAsync(DeclareReady).TransitionTo(Ready)),
            When(DataFetched).Then(ctx => Record(ctx.Saga, ctx.Message))
                .If(ctx => ctx.Saga.IsReady, ready => ready.ThenAsync(DeclareReady).TransitionTo(Ready)),
            When(AggregatorConnected).Then(ctx => Record(ctx.Saga, ctx.Message))
                .If(ctx => ctx.Saga.IsReady, ready => ready.ThenAsync(DeclareReady).TransitionTo(Ready)),
            When(ActorFailed).Then(ctx => Record(ctx.Saga, ctx.Message)).ThenAsync(TearDown).TransitionTo(TearingDown));

        During(Ready,
            Ignore(Placed), Ignore(ImagePulled), Ignore(ActorStarted), Ignore(DataFetched), Ignore(AggregatorConnected),
            When(ActorFailed).Then(ctx => Record(ctx.Saga, ctx.Message)).ThenAsync(TearDown).TransitionTo(TearingDown));

        During(TearingDown, Failed, Undeployed,
            Ignore(Placed), Ignore(PlacementFailed), Ignore(ImagePulled), Ignore(ActorStarted), Ignore(DataFetched),
            Ignore(AggregatorConnected), Ignore(ActorFailed));

        During(Ready, TearingDown, Failed, Undeployed,
            When(ActorRemoved)
                .Then(ctx => ctx.Saga.Actor(ctx.Message.ActorId, ctx.Message.NodeId).RemovedAt ??= DateTimeOffset.UtcNow)
                .If(ctx => ctx.Saga.CurrentState == nameof(TearingDown) && ctx.Saga.Actors.All(a => a.RemovedAt is not null),
                    done => done.TransitionTo(Undeployed)));
        During(Initial, Placing, Deploying,
            When(ActorRemoved).Then(ctx => ctx.Saga.Actor(ctx.Message.ActorId, ctx.Message.NodeId).RemovedAt ??= DateTimeOffset.UtcNow));

        DuringAny(When(StatusRequested).ThenAsync(ctx => ctx.RespondAsync(ProjectStatusView.From(ctx.Saga))));
    }

    private static void RecordPlacement(ProjectDeploymentState saga, ProjectPlaced placed)
    {
        saga.CustomerId = placed.CustomerId;
        saga.ReadinessTimeout = placed.ReadinessTimeout;
        saga.PlacedAt ??= DateTimeOffset.UtcNow;
        saga.ActorSetKnown = true;
        foreach (var p in placed.Actors)
        {
            var actor = saga.Actor(p.ActorId, p.NodeId);
            actor.Role = p.Role;
            actor.Instance = p.Instance;
            actor.NodeId = p.NodeId;
            actor.Image = p.Image;
            actor.Endpoint = p.Endpoint;
            actor.UpdatedAt = DateTimeOffset.UtcNow;
        }
    }

    private static void Record(ProjectDeploymentState saga, ImagePulled m) => Touch(saga.Actor(m.ActorId, m.NodeId)).PulledAt ??= DateTimeOffset.UtcNow;

    private static void Record(ProjectDeploymentState saga, ActorStarted m)
    {
        var actor = Touch(saga.Actor(m.ActorId, m.NodeId));
        actor.Role = m.Role;
        actor.ContainerId = m.ContainerId;
        actor.StartedAt ??= m.StartedAt;
    }

    private static void Record(ProjectDeploymentState saga, DataFetched m)
    {
        var actor = Touch(saga.Actor(m.ActorId, m.NodeId));
        actor.Samples = m.Samples;
        actor.DataFetchedAt ??= DateTimeOffset.UtcNow;
    }

    private static void Record(ProjectDeploymentState saga, AggregatorConnected m) =>
        Touch(saga.Actor(m.ActorId, m.NodeId)).ConnectedAt ??= DateTimeOffset.UtcNow;

    private static void Record(ProjectDeploymentState saga, ActorFailed m)
    {
        var actor = Touch(saga.Actor(m.ActorId, m.NodeId));
        actor.FailedAt ??= DateTimeOffset.UtcNow;
        actor.Failure ??= $"{m.Stage}: {m.Reason}";
        saga.Reason ??= $"{(actor.Role == "" ? "actor" : actor.Role)} {m.ActorId} failed at {m.Stage}: {m.Reason}";
    }

    private static ActorProgress Touch(ActorProgress actor)
    {
        actor.UpdatedAt = DateTimeOffset.UtcNow;
        return actor;
    }

    private static async Task DeclareReady<T>(BehaviorContext<ProjectDeploymentState, T> ctx) where T : class
    {
        var saga = ctx.Saga;
        saga.ReadyAt = DateTimeOffset.UtcNow;
        var origin = saga.PlacedAt ?? saga.ReadyAt.Value;
        await ctx.Publish(new ProjectReady
        {
            ProjectId = saga.CorrelationId,
            TimeToReady = saga.ReadyAt.Value - origin,
            Actors = saga.Actors.Select(a => new ActorTiming
            {
                ActorId = a.ActorId, Role = a.Role, Instance = a.Instance, NodeId = a.NodeId,
                Started = a.StartedAt - origin, DataFetched = a.DataFetchedAt - origin, Connected = a.ConnectedAt - origin
            }).ToList()
        });
    }

    /// <summary>Fails the project and asks every node to remove what it runs of it.</summary>
    private static async Task TearDown<T>(BehaviorContext<ProjectDeploymentState, T> ctx) where T : class
    {
        var saga = ctx.Saga;
        var failed = saga.Actors.FirstOrDefault(a => a.FailedAt is not null);
        await ctx.Publish(new ProjectFailed { ProjectId = saga.CorrelationId, Reason = saga.Reason ?? "an actor failed", FailedActorId = failed?.ActorId });
        foreach (var actor in saga.Actors.Where(a => a.RemovedAt is null))
        {
            var endpoint = await ctx.GetSendEndpoint(EndpointNames.AgentAddress(actor.NodeId));
            await endpoint.Send(new RemoveActor { ProjectId = saga.CorrelationId, ActorId = actor.ActorId, NodeId = actor.NodeId, Reason = saga.Reason ?? "project failed" });
        }
    }
}

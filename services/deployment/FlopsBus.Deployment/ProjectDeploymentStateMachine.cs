using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>
/// Correlates a project's placement and its actors' events into readiness. The planner's answer (ProjectPlaced
/// or PlacementFailed) starts the saga; actor events may come before it, twice or in any order, and are folded
/// in all the same. Failure policy: a failed learner is re-placed once on another node; an aggregator failure,
/// a second failure, a replacement that cannot be placed or a cancellation tears the whole project down, and
/// the saga waits for every ActorRemoved before UNDEPLOYED.
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
    public Event<ActorReplaced> ActorReplaced { get; private set; } = null!;
    public Event<ActorReplacementFailed> ReplacementFailed { get; private set; } = null!;
    public Event<ActorRemoved> ActorRemoved { get; private set; } = null!;
    public Event<CancelProject> Cancel { get; private set; } = null!;
    public Event<ProjectDeadlinePassed> DeadlinePassed { get; private set; } = null!;
    public Event<GetProjectStatus> StatusRequested { get; private set; } = null!;

    public ProjectDeploymentStateMachine(DeploymentOptions options)
    {
        InstanceState(x => x.CurrentState);

        Event(() => Placed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => PlacementFailed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ImagePulled, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ActorStarted, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => DataFetched, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => AggregatorConnected, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ActorFailed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ActorReplaced, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ReplacementFailed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => ActorRemoved, x =>
        {
            x.CorrelateById(m => m.Message.ProjectId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => Cancel, x =>
        {
            x.CorrelateById(m => m.Message.ProjectId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => DeadlinePassed, x =>
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

        // Before the placement is known: remember what actors report, judge it once the actor set is known.
        During(Initial, Placing,
            When(Placed)
                .Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, options))
                .TransitionTo(Deploying)
                .If(ctx => FirstFailure(ctx.Saga) is not null, failure => HandleFailure(failure, ctx => FirstFailure(ctx.Saga)!))
                .If(ReadyNow, DeclareReadyBranch),
            When(PlacementFailed)
                .Then(ctx =>
                {
                    ctx.Saga.Reason = $"{ctx.Message.ReasonCode}: {ctx.Message.Reason}";
                    ctx.Saga.Log("placement-failed", detail: ctx.Saga.Reason);
                })
                .PublishAsync(ctx => ctx.Init<ProjectFailed>(new ProjectFailed { ProjectId = ctx.Saga.CorrelationId, Reason = ctx.Saga.Reason! }))
                .TransitionTo(Failed),
            When(ImagePulled).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(ActorStarted).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(DataFetched).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(AggregatorConnected).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(ActorFailed).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).TransitionTo(Placing),
            When(Cancel).Then(ctx => Cancelled(ctx.Saga, ctx.Message)).ThenAsync(FailurePolicy.TearDown).TransitionTo(TearingDown));

        // Deploying and Ready: fold in progress, re-place a failed learner once, give up otherwise.
        During(Deploying, Ready,
            Ignore(Placed),
            When(ImagePulled).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)),
            When(ActorStarted).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).If(ReadyNow, DeclareReadyBranch),
            When(DataFetched).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).If(ReadyNow, DeclareReadyBranch),
            When(AggregatorConnected).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)).If(ReadyNow, DeclareReadyBranch),
            Ignore(ActorFailed, ctx => ctx.Saga.Actors.Any(a => a.ActorId == ctx.Message.ActorId && (a.Retired || a.FailedAt is not null))),
            HandleFailure(When(ActorFailed).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message)),
                ctx => ctx.Saga.Actors.First(a => a.ActorId == ctx.Message.ActorId)),
            When(ActorReplaced)
                .Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, options))
                .If(ReadyNow, DeclareReadyBranch),
            When(ReplacementFailed)
                .Then(ctx =>
                {
                    ctx.Saga.Reason = $"re-placing actor {ctx.Message.ActorId} failed: {ctx.Message.ReasonCode}: {ctx.Message.Reason}";
                    ctx.Saga.Log("replacement-failed", ctx.Message.ActorId, ctx.Saga.Reason);
                })
                .ThenAsync(FailurePolicy.TearDown).TransitionTo(TearingDown),
            When(Cancel).Then(ctx => Cancelled(ctx.Saga, ctx.Message)).ThenAsync(FailurePolicy.TearDown).TransitionTo(TearingDown));

        // A deadline fails the project; the watcher may announce one more than once, or late, so check it is due.
        During(Placing, Deploying,
            When(DeadlinePassed, ctx => ProjectFacts.PassedDeadline(ctx.Saga, DateTimeOffset.UtcNow) is not null)
                .Then(ctx =>
                {
                    ctx.Saga.Reason = ProjectFacts.PassedDeadline(ctx.Saga, DateTimeOffset.UtcNow);
                    ctx.Saga.Log("deadline-passed", detail: ctx.Saga.Reason);
                })
                .ThenAsync(FailurePolicy.TearDown).TransitionTo(TearingDown),
            Ignore(DeadlinePassed, ctx => ProjectFacts.PassedDeadline(ctx.Saga, DateTimeOffset.UtcNow) is null));
        During(Ready, TearingDown, Failed, Undeployed, Ignore(DeadlinePassed));

        During(TearingDown, Failed, Undeployed,
            Ignore(Placed), Ignore(PlacementFailed), Ignore(ImagePulled), Ignore(ActorStarted), Ignore(DataFetched),
            Ignore(AggregatorConnected), Ignore(ActorFailed), Ignore(ActorReplaced), Ignore(ReplacementFailed), Ignore(Cancel));

        DuringAny(
            When(ActorRemoved)
                .Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message))
                .If(ctx => ctx.Saga.CurrentState == TearingDown.Name && ctx.Saga.Actors.All(a => a.RemovedAt is not null),
                    done => done.Then(ctx => ctx.Saga.Log("undeployed")).TransitionTo(Undeployed)),
            When(StatusRequested).ThenAsync(ctx => ctx.RespondAsync(ProjectStatusView.From(ctx.Saga))));
    }

    private static ActorProgress? FirstFailure(ProjectDeploymentState saga) => saga.Actors.FirstOrDefault(a => a.FailedAt is not null && !a.Retired);

    /// <summary>A failed learner is re-placed while the policy allows; any other failure tears the project down.</summary>
    private EventActivityBinder<ProjectDeploymentState, T> HandleFailure<T>(EventActivityBinder<ProjectDeploymentState, T> binder,
        Func<BehaviorContext<ProjectDeploymentState, T>, ActorProgress> failed) where T : class =>
        binder.IfElse(ctx => FailurePolicy.CanReplace(ctx.Saga, failed(ctx)),
            replace => replace.ThenAsync(ctx => FailurePolicy.Replace(ctx, failed(ctx))).TransitionTo(Deploying),
            giveUp => giveUp.Then(ctx => FailurePolicy.Explain(ctx.Saga, failed(ctx))).ThenAsync(FailurePolicy.TearDown).TransitionTo(TearingDown));

    /// <summary>Ready is declared once per recovery: on the fact that completes the set, not on every fact after it.</summary>
    private bool ReadyNow<T>(BehaviorContext<ProjectDeploymentState, T> ctx) where T : class =>
        ctx.Saga.CurrentState == Deploying.Name && ctx.Saga.IsReady;

    private EventActivityBinder<ProjectDeploymentState, T> DeclareReadyBranch<T>(EventActivityBinder<ProjectDeploymentState, T> binder) where T : class =>
        binder.ThenAsync(DeclareReady).TransitionTo(Ready);

    private static void Cancelled(ProjectDeploymentState saga, CancelProject cancel)
    {
        saga.Reason = $"cancelled: {cancel.Reason}";
        saga.Log("cancelled", detail: cancel.Reason);
    }

    private static async Task DeclareReady<T>(BehaviorContext<ProjectDeploymentState, T> ctx) where T : class
    {
        var saga = ctx.Saga;
        using var span = FlopsTelemetry.Source.StartActivity("project ready")?.SetTag("flops.project", saga.CorrelationId);
        saga.ReadyAt = DateTimeOffset.UtcNow;
        saga.Log("ready");
        var origin = saga.PlacedAt ?? saga.ReadyAt.Value;
        DeploymentTelemetry.TimeToReady.Record((saga.ReadyAt.Value - origin).TotalMilliseconds);
        await ctx.Publish(new ProjectReady
        {
            ProjectId = saga.CorrelationId,
            TimeToReady = saga.ReadyAt.Value - origin,
            Actors = saga.Actors.Where(a => !a.Retired).Select(a => new ActorTiming
            {
                ActorId = a.ActorId, Role = a.Role, Instance = a.Instance, NodeId = a.NodeId,
                Started = a.StartedAt - origin, DataFetched = a.DataFetchedAt - origin, Connected = a.ConnectedAt - origin
            }).ToList()
        });
    }
}

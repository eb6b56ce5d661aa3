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
    public Event<ImagePulling> ImagePulling { get; private set; } = null!;
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

    public ProjectDeploymentStateMachine(DeploymentOptions options, TimeProvider clock)
    {
        DateTimeOffset Now() => clock.GetUtcNow();
        InstanceState(x => x.CurrentState);

        Event(() => Placed, x => x.CorrelateById(m => m.Message.ProjectId));
        Event(() => PlacementFailed, x => x.CorrelateById(m => m.Message.ProjectId));
        // Progress of a deployment the saga does not know yet is dropped: the next report, or the pull's end, will come.
        Event(() => ImagePulling, x =>
        {
            x.CorrelateById(m => m.Message.ProjectId);
            x.OnMissingInstance(m => m.Discard());
        });
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
                .Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, options, Now()))
                .TransitionTo(Deploying)
                .If(ctx => FirstFailure(ctx.Saga) is not null, failure => HandleFailure(failure, ctx => FirstFailure(ctx.Saga)!, Now))
                .If(ReadyNow, ready => DeclareReadyBranch(ready, Now)),
            When(PlacementFailed)
                .Then(ctx =>
                {
                    ctx.Saga.Reason = $"{ctx.Message.ReasonCode}: {ctx.Message.Reason}";
                    ctx.Saga.Log(Now(), "placement-failed", detail: ctx.Saga.Reason);
                })
                .PublishAsync(ctx => ctx.Init<ProjectFailed>(new ProjectFailed { ProjectId = ctx.Saga.CorrelationId, Reason = ctx.Saga.Reason! }))
                .TransitionTo(Failed),
            When(ImagePulled).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).TransitionTo(Placing),
            When(ActorStarted).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).TransitionTo(Placing),
            When(DataFetched).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).TransitionTo(Placing),
            When(AggregatorConnected).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).TransitionTo(Placing),
            When(ActorFailed).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).TransitionTo(Placing),
            TearDownBranch(When(Cancel).Then(ctx => Cancelled(ctx.Saga, ctx.Message, Now())), Now));

        // Deploying and Ready: fold in progress, re-place a failed learner once, give up otherwise.
        During(Placing, Deploying, Ready,
            When(ImagePulling).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())));
        During(TearingDown, Failed, Undeployed, Ignore(ImagePulling));

        During(Deploying, Ready,
            Ignore(Placed),
            When(ImagePulled).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())),
            When(ActorStarted).IfElse(ctx => IsRetired(ctx.Saga, ctx.Message.ActorId),
                stray => stray.ThenAsync(ctx => FailurePolicy.RemoveStray(ctx, ctx.Message.ActorId, ctx.Message.NodeId, Now())),
                live => live.Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).If(ReadyNow, ready => DeclareReadyBranch(ready, Now))),
            When(DataFetched).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).If(ReadyNow, ready => DeclareReadyBranch(ready, Now)),
            When(AggregatorConnected).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())).If(ReadyNow, ready => DeclareReadyBranch(ready, Now)),
            // Retired or failed already: only its node's loss is news (it counts as gone for a later teardown).
            When(ActorFailed, ctx => AlreadyHandled(ctx.Saga, ctx.Message.ActorId)).Then(ctx => NoteLoss(ctx.Saga, ctx.Message, Now())),
            HandleFailure(When(ActorFailed, ctx => !AlreadyHandled(ctx.Saga, ctx.Message.ActorId)).Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now())),
                ctx => ctx.Saga.Actors.First(a => a.ActorId == ctx.Message.ActorId), Now),
            When(ActorReplaced)
                .Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, options, Now()))
                .If(ReadyNow, ready => DeclareReadyBranch(ready, Now)),
            TearDownBranch(When(ReplacementFailed)
                .Then(ctx =>
                {
                    ctx.Saga.Reason = $"re-placing actor {ctx.Message.ActorId} failed: {ctx.Message.ReasonCode}: {ctx.Message.Reason}";
                    ctx.Saga.Log(Now(), "replacement-failed", ctx.Message.ActorId, ctx.Saga.Reason);
                }), Now),
            TearDownBranch(When(Cancel).Then(ctx => Cancelled(ctx.Saga, ctx.Message, Now())), Now));

        // A deadline fails the project; the watcher may announce one more than once, or late, so check it is due.
        During(Placing, Deploying,
            TearDownBranch(When(DeadlinePassed, ctx => ProjectFacts.PassedDeadline(ctx.Saga, Now()) is not null)
                .Then(ctx =>
                {
                    ctx.Saga.Reason = ProjectFacts.PassedDeadline(ctx.Saga, Now());
                    ctx.Saga.Log(Now(), "deadline-passed", detail: ctx.Saga.Reason);
                }), Now),
            Ignore(DeadlinePassed, ctx => ProjectFacts.PassedDeadline(ctx.Saga, Now()) is null));
        During(Ready, TearingDown, Failed, Undeployed, Ignore(DeadlinePassed));

        // Over: nothing of the deployment may run any more. An actor that shows up anyway (a replacement placed as the
        // teardown began, or one left on a node that was lost and is back) is removed, and a teardown waits for it.
        During(TearingDown, Failed, Undeployed,
            Ignore(Placed), Ignore(PlacementFailed), Ignore(ImagePulled), Ignore(DataFetched),
            Ignore(AggregatorConnected), Ignore(ReplacementFailed), Ignore(Cancel),
            When(ActorStarted, ctx => IsStray(ctx.Saga, ctx.Message.ActorId))
                .Then(ctx => ctx.Saga.Actor(ctx.Message.ActorId, ctx.Message.NodeId).RemovedAt = null)
                .ThenAsync(ctx => FailurePolicy.RemoveStray(ctx, ctx.Message.ActorId, ctx.Message.NodeId, Now())),
            Ignore(ActorStarted, ctx => !IsStray(ctx.Saga, ctx.Message.ActorId)),
            When(ActorReplaced)
                .Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, options, Now()))
                .ThenAsync(ctx => FailurePolicy.RemoveStray(ctx, ctx.Message.Replacement.Actor.ActorId, ctx.Message.Replacement.NodeId, Now())),
            When(ActorFailed)
                .Then(ctx => NoteLoss(ctx.Saga, ctx.Message, Now()))
                .If(ctx => ctx.Saga.CurrentState == TearingDown.Name && ctx.Saga.AllGone, done => Undeploy(done, Now)));

        DuringAny(
            When(ActorRemoved)
                .Then(ctx => ProjectFacts.Record(ctx.Saga, ctx.Message, Now()))
                .If(ctx => ctx.Saga.CurrentState == TearingDown.Name && ctx.Saga.AllGone, done => Undeploy(done, Now)),
            When(StatusRequested).ThenAsync(ctx => ctx.RespondAsync(ProjectStatusView.From(ctx.Saga))));
    }

    private static ActorProgress? FirstFailure(ProjectDeploymentState saga) => saga.Actors.FirstOrDefault(a => a.FailedAt is not null && !a.Retired);

    private static bool IsRetired(ProjectDeploymentState saga, Guid actorId) => saga.Actors.Any(a => a.ActorId == actorId && a.Retired);

    private static bool AlreadyHandled(ProjectDeploymentState saga, Guid actorId) =>
        saga.Actors.Any(a => a.ActorId == actorId && (a.Retired || a.FailedAt is not null));

    /// <summary>An actor running for a deployment that is over: unknown to it, already gone, or the deployment ended for good.</summary>
    private bool IsStray(ProjectDeploymentState saga, Guid actorId) =>
        saga.CurrentState != TearingDown.Name || saga.Actors.Find(a => a.ActorId == actorId) is not { } known || known.Gone;

    /// <summary>The actor's node was lost: what ran there is gone as far as a teardown is concerned.</summary>
    private static void NoteLoss(ProjectDeploymentState saga, ActorFailed failed, DateTimeOffset now)
    {
        if (failed.Stage != FailureStages.NodeLost) return;
        var actor = saga.Actor(failed.ActorId, failed.NodeId);
        if (actor.LostAt is not null) return;
        actor.LostAt = now;
        actor.UpdatedAt = now;
        saga.Log(now, "lost", failed.ActorId, failed.Reason);
    }

    /// <summary>Tears the deployment down; one whose actors are all gone already (lost with their nodes) is undeployed at once.</summary>
    private EventActivityBinder<ProjectDeploymentState, T> TearDownBranch<T>(EventActivityBinder<ProjectDeploymentState, T> binder, Func<DateTimeOffset> now)
        where T : class =>
        binder.ThenAsync(ctx => FailurePolicy.TearDown(ctx, now())).TransitionTo(TearingDown).If(ctx => ctx.Saga.AllGone, done => Undeploy(done, now));

    private EventActivityBinder<ProjectDeploymentState, T> Undeploy<T>(EventActivityBinder<ProjectDeploymentState, T> binder, Func<DateTimeOffset> now)
        where T : class =>
        binder.Then(ctx => ctx.Saga.Log(now(), "undeployed")).TransitionTo(Undeployed);

    /// <summary>A failed learner is re-placed while the policy allows; any other failure tears the project down.</summary>
    private EventActivityBinder<ProjectDeploymentState, T> HandleFailure<T>(EventActivityBinder<ProjectDeploymentState, T> binder,
        Func<BehaviorContext<ProjectDeploymentState, T>, ActorProgress> failed, Func<DateTimeOffset> now) where T : class =>
        binder.IfElse(ctx => FailurePolicy.CanReplace(ctx.Saga, failed(ctx)),
            replace => replace.ThenAsync(ctx => FailurePolicy.Replace(ctx, failed(ctx), now())).TransitionTo(Deploying),
            giveUp => TearDownBranch(giveUp.Then(ctx => FailurePolicy.Explain(ctx.Saga, failed(ctx))), now));

    /// <summary>Ready is declared once per recovery: on the fact that completes the set, not on every fact after it.</summary>
    private bool ReadyNow<T>(BehaviorContext<ProjectDeploymentState, T> ctx) where T : class =>
        ctx.Saga.CurrentState == Deploying.Name && ctx.Saga.IsReady;

    private EventActivityBinder<ProjectDeploymentState, T> DeclareReadyBranch<T>(EventActivityBinder<ProjectDeploymentState, T> binder,
        Func<DateTimeOffset> now) where T : class =>
        binder.ThenAsync(ctx => DeclareReady(ctx, now())).TransitionTo(Ready);

    private static void Cancelled(ProjectDeploymentState saga, CancelProject cancel, DateTimeOffset now)
    {
        saga.Reason = $"cancelled: {cancel.Reason}";
        saga.Log(now, "cancelled", detail: cancel.Reason);
    }

    private static async Task DeclareReady<T>(BehaviorContext<ProjectDeploymentState, T> ctx, DateTimeOffset now) where T : class
    {
        var saga = ctx.Saga;
        using var span = FlopsTelemetry.Source.StartActivity("project ready")?.SetTag("flops.project", saga.CorrelationId);
        saga.ReadyAt = now;
        saga.Log(now, "ready");
        var origin = saga.PlacedAt ?? now;
        DeploymentTelemetry.TimeToReady.Record((now - origin).TotalMilliseconds);
        await ctx.Publish(new ProjectReady
        {
            ProjectId = saga.CorrelationId,
            TimeToReady = now - origin,
            Actors = saga.Actors.Where(a => !a.Retired).Select(a => new ActorTiming
            {
                ActorId = a.ActorId, Role = a.Role, Instance = a.Instance, NodeId = a.NodeId,
                Started = a.StartedAt - origin, DataFetched = a.DataFetchedAt - origin, Connected = a.ConnectedAt - origin
            }).ToList()
        });
    }
}

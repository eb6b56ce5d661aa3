using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>What the saga does about a failed actor: re-place a learner once, otherwise tear the project down.</summary>
public static class FailurePolicy
{
    /// <summary>How many learners are re-placed before the project is given up.</summary>
    public const int ReplacementsAllowed = 1;

    public static bool CanReplace(ProjectDeploymentState saga, ActorProgress? failed) =>
        failed?.Actor is not null && failed.Role == ActorRoles.Learner && saga.Replacements < ReplacementsAllowed;

    /// <summary>Asks the planner to run the failed learner's spec on another node, and the failed learner's node to clean up after it.</summary>
    public static async Task Replace<T>(BehaviorContext<ProjectDeploymentState, T> ctx, ActorProgress failed, DateTimeOffset now) where T : class
    {
        var saga = ctx.Saga;
        saga.Replacements++;
        failed.Retired = true;
        saga.Log(now, "replacing", failed.ActorId, $"learner {failed.Instance} failed on {failed.NodeId} ({failed.Failure})");
        var planner = await ctx.GetSendEndpoint(EndpointNames.PlannerControlAddress);
        await planner.Send(new ReplaceActor { Actor = failed.Actor!, FailedNodeId = failed.NodeId, Reason = failed.Failure ?? "failed" });
        await Remove(ctx, failed, "replaced after a failure");
    }

    public static void Explain(ProjectDeploymentState saga, ActorProgress failed) =>
        saga.Reason = failed.Role == ActorRoles.Learner
            ? $"learner {failed.ActorId} failed after {saga.Replacements} replacement(s) already: {failed.Failure}"
            : $"{(failed.Role == "" ? "actor" : failed.Role)} {failed.ActorId} failed: {failed.Failure}";

    /// <summary>Fails the project and asks every node to remove what it runs of it (a lost node finds the command when it is back).</summary>
    public static async Task TearDown<T>(BehaviorContext<ProjectDeploymentState, T> ctx, DateTimeOffset now) where T : class
    {
        var saga = ctx.Saga;
        var failed = saga.Actors.FirstOrDefault(a => a.FailedAt is not null && !a.Retired);
        saga.Log(now, "tearing-down", failed?.ActorId, saga.Reason);
        await ctx.Publish(new ProjectFailed { ProjectId = saga.CorrelationId, Reason = saga.Reason ?? "the project failed", FailedActorId = failed?.ActorId });
        foreach (var actor in saga.Actors.Where(a => a.RemovedAt is null))
            await Remove(ctx, actor, saga.Reason ?? "project failed");
    }

    /// <summary>An actor that runs though its deployment is over (or it was retired): its node removes it again.</summary>
    public static Task RemoveStray<T>(BehaviorContext<ProjectDeploymentState, T> ctx, Guid actorId, string nodeId, DateTimeOffset now) where T : class
    {
        ctx.Saga.Log(now, "removing-stray", actorId, $"on {nodeId}: its deployment is over or it was retired");
        return Send(ctx, actorId, nodeId, "its deployment is over or it was retired");
    }

    private static Task Remove<T>(BehaviorContext<ProjectDeploymentState, T> ctx, ActorProgress actor, string reason) where T : class =>
        Send(ctx, actor.ActorId, actor.NodeId, reason);

    private static async Task Send<T>(BehaviorContext<ProjectDeploymentState, T> ctx, Guid actorId, string nodeId, string reason) where T : class
    {
        var agent = await ctx.GetSendEndpoint(EndpointNames.AgentAddress(nodeId));
        await agent.Send(new RemoveActor { ProjectId = ctx.Saga.CorrelationId, ActorId = actorId, NodeId = nodeId, Reason = reason });
    }
}

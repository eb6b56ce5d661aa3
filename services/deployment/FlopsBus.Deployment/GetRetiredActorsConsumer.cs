using FlopsBus.Contracts;
using FlopsBus.Hosting;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>Tells an agent which of the actors it holds are over, so it removes them before it reports its node live.
/// A node asks about its own actors only: the answer tells which deployments ended.</summary>
public sealed class GetRetiredActorsConsumer(IDeploymentQueries queries, NodeClaims claims) : IConsumer<GetRetiredActors>
{
    public const int MaxActors = 10_000;

    public async Task Consume(ConsumeContext<GetRetiredActors> context)
    {
        if (!claims.MaySpeakFor(context, context.Message.NodeId)) return;
        var actors = context.Message.Actors.Take(MaxActors).ToList();
        await context.RespondAsync(new RetiredActors
        {
            ActorIds = actors.Count == 0 ? [] : await queries.Retired(actors, context.CancellationToken)
        });
    }
}

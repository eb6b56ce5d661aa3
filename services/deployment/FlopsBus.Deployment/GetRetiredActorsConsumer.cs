using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>Tells an agent which of the actors it holds are over, so it removes them before it reports its node live.</summary>
public sealed class GetRetiredActorsConsumer(IDeploymentQueries queries) : IConsumer<GetRetiredActors>
{
    public const int MaxActors = 10_000;

    public async Task Consume(ConsumeContext<GetRetiredActors> context)
    {
        var actors = context.Message.Actors.Take(MaxActors).ToList();
        await context.RespondAsync(new RetiredActors
        {
            ActorIds = actors.Count == 0 ? [] : await queries.Retired(actors, context.CancellationToken)
        });
    }
}

using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Deployment;

/// <summary>Answers `flops status` without a project: the deployments the saga knows, most recently changed first.</summary>
public sealed class GetProjectsConsumer(IDeploymentQueries queries) : IConsumer<GetProjects>
{
    public const int MaxLimit = 1000;

    public async Task Consume(ConsumeContext<GetProjects> context) =>
        await context.RespondAsync(new ProjectList
        {
            Projects = await queries.List(context.Message.CustomerId, Math.Clamp(context.Message.Limit, 1, MaxLimit), context.CancellationToken)
        });
}

using System.ComponentModel;
using FlopsBus.Contracts;
using MassTransit;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

public sealed class StatusCommand : AsyncCommand<StatusCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PROJECT>"), Description("The project id.")]
        public Guid ProjectId { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var bus = await CliBus.Start(cancellationToken);
        var client = bus.Bus.CreateRequestClient<GetProjectStatus>(new Uri($"queue:{EndpointNames.Deployment}"));
        Response<ProjectStatus, ProjectNotFound> response;
        try
        {
            response = await client.GetResponse<ProjectStatus, ProjectNotFound>(new GetProjectStatus { ProjectId = settings.ProjectId }, cancellationToken);
        }
        catch (RequestTimeoutException)
        {
            Console.Error.WriteLine($"the deployment service did not answer on queue {EndpointNames.Deployment}: is the saga host running?");
            return 3;
        }
        if (response.Is(out Response<ProjectStatus>? status))
        {
            AnsiConsole.Write(StatusTable.Render(status.Message));
            return 0;
        }
        Console.Error.WriteLine($"project {settings.ProjectId} is not known to the deployment saga (not submitted, or not placed yet)");
        return 2;
    }
}

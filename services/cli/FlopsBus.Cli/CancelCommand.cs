using System.ComponentModel;
using FlopsBus.Contracts;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

public sealed class CancelCommand : AsyncCommand<CancelCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PROJECT>"), Description("The project id.")]
        public Guid ProjectId { get; init; }
        [CommandOption("--reason <TEXT>"), DefaultValue("cancelled with flops cancel")]
        public string Reason { get; init; } = "cancelled with flops cancel";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var bus = await CliBus.Start(cancellationToken);
        var deployment = await bus.Bus.GetSendEndpoint(EndpointNames.DeploymentAddress);
        await bus.WithinPatience(token => deployment.Send(new CancelProject { ProjectId = settings.ProjectId, Reason = settings.Reason }, token),
            $"send the cancellation of project {settings.ProjectId}", cancellationToken);
        Console.Error.WriteLine($"cancel of project {settings.ProjectId} sent; `flops watch {settings.ProjectId}` follows the teardown");
        return 0;
    }
}

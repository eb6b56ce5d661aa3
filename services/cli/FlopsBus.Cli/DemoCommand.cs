using System.ComponentModel;
using System.Diagnostics;
using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>The embedded run (<c>make run</c>): deploys a sample project and shows it live until it is ready.</summary>
public sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--learners <N>"), Description("Learners in the sample project."), DefaultValue(2)]
        public int Learners { get; init; } = 2;
        [CommandOption("--mode <MODE>"), Description("classic, or hierarchical (a root aggregator and one per cluster)."), DefaultValue(ProjectModes.Classic)]
        public string Mode { get; init; } = ProjectModes.Classic;
        [CommandOption("--timeout <SECONDS>"), DefaultValue(60)]
        public int TimeoutSeconds { get; init; } = 60;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        var dataRoot = Directory.CreateTempSubdirectory("flops-demo-");
        try
        {
            using var host = EmbeddedSystem.Build(dataRoot.FullName);
            await host.StartAsync(timeout.Token);
            await EmbeddedSystem.WaitForNodes(host.Services, timeout.Token);
            var exitCode = await Deploy(host.Services.GetRequiredService<IBus>(), EmbeddedSystem.SampleProject(settings.Learners, settings.Mode), timeout.Token);
            await host.StopAsync(CancellationToken.None);
            return exitCode;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"The sample project was not ready within {settings.TimeoutSeconds} s.");
            return 1;
        }
        finally
        {
            dataRoot.Delete(recursive: true);
        }
    }

    private static async Task<int> Deploy(IBus bus, ProjectSubmitted project, CancellationToken cancellationToken)
    {
        await using var outcome = await ProjectOutcome.Listen(bus, project.ProjectId, cancellationToken);
        var clock = Stopwatch.StartNew();
        await bus.Publish(project, cancellationToken);

        async Task<Table?> Current() =>
            await ProjectStatusQuery.Get(bus, project.ProjectId, cancellationToken) is { } status
                ? StatusTable.Render(status, await ProjectStatusQuery.GetObservatory(bus, status, cancellationToken))
                : null;

        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Live(new Text($"project {project.ProjectId}: submitted")).StartAsync(async live =>
            {
                while (!outcome.Task.IsCompleted)
                {
                    if (await Current() is { } table) live.UpdateTarget(table);
                    await Task.WhenAny(outcome.Task, Task.Delay(200, cancellationToken));
                }
            });
        }
        var (status, reason) = await outcome.Task.WaitAsync(cancellationToken);
        var elapsed = clock.ElapsedMilliseconds;

        if (await Current() is { } final)
            AnsiConsole.Write(final);
        if (status != ProjectStatuses.Ready)
        {
            Console.Error.WriteLine($"project {project.ProjectId} {status}: {reason}");
            return 1;
        }
        Console.WriteLine($"project {project.ProjectId} READY in {elapsed} ms");
        return 0;
    }
}

using System.ComponentModel;
using System.Diagnostics;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Deployment;
using FlopsBus.Hosting;
using FlopsBus.Planner;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FlopsBus.Cli;

/// <summary>
/// The embedded run: planner, saga and three simulated worker nodes (two with the flops-learner add-on) in one
/// process on MassTransit's in-memory transport; the agents run the sample actors as local processes.
/// </summary>
public sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    public const string AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1";
    public const string LearnerImage = "127.0.0.1:5000/flops/sample-learner:1";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--learners <N>"), Description("Learners in the sample project."), DefaultValue(2)]
        public int Learners { get; init; } = 2;
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
            using var host = BuildHost(dataRoot.FullName);
            await host.StartAsync(timeout.Token);
            var outcome = await RunProject(host.Services, settings.Learners, timeout.Token);
            await host.StopAsync(CancellationToken.None);
            return outcome;
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

    private static IHost BuildHost(string dataRoot)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:Transport"] = "InMemory" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddPlannerServices(builder.Configuration);

        var actors = Path.Combine(AppContext.BaseDirectory, "sample-actors");
        var commands = new Dictionary<string, string>
        {
            [AggregatorImage] = $"python3 {Path.Combine(actors, "aggregator.py")}",
            [LearnerImage] = $"python3 {Path.Combine(actors, "learner.py")}",
        };
        var basePort = 42000 + Environment.ProcessId % 500 * 20;
        string[][] addOns = [[], [NodeAddOns.FlopsLearner], [NodeAddOns.FlopsLearner]];
        for (var i = 0; i < addOns.Length; i++)
        {
            var nodeId = $"node-{i + 1}";
            builder.Services.AddNodeAgent(new AgentOptions
            {
                NodeId = nodeId,
                AddOns = [.. addOns[i]],
                Runtime = "process",
                ProcessCommands = commands,
                DataDir = SampleData.Write(Path.Combine(dataRoot, nodeId), "mnist", samples: 600 + 100 * i),
                PortRangeStart = basePort + i * 5,
                PortRangeEnd = basePort + i * 5 + 4,
                HeartbeatInterval = TimeSpan.FromSeconds(1),
            });
        }
        builder.Services.AddFlopsBus(builder.Configuration,
            bus => { bus.AddPlanner(); bus.AddDeploymentSaga(); },
            (ctx, cfg) => cfg.ConfigureNodeAgentEndpoints(ctx));
        return builder.Build();
    }

    private static async Task<int> RunProject(IServiceProvider services, int learners, CancellationToken cancellationToken)
    {
        var bus = services.GetRequiredService<IBus>();
        var nodes = services.GetRequiredService<NodeRegistry>();
        while (nodes.LiveNodes().Count < 3)
            await Task.Delay(20, cancellationToken);

        var outcome = new TaskCompletionSource<(bool Ready, string Text)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var projectId = Guid.NewGuid();
        var watch = bus.ConnectReceiveEndpoint("flops-demo-watch", e =>
        {
            e.Handler<ProjectReady>(c => { if (c.Message.ProjectId == projectId) outcome.TrySetResult((true, "")); return Task.CompletedTask; });
            e.Handler<ProjectFailed>(c => { if (c.Message.ProjectId == projectId) outcome.TrySetResult((false, c.Message.Reason)); return Task.CompletedTask; });
            e.Handler<ProjectRejected>(c => { if (c.Message.ProjectId == projectId) outcome.TrySetResult((false, c.Message.Reason)); return Task.CompletedTask; });
        });
        await watch.Ready;

        var clock = Stopwatch.StartNew();
        await bus.Publish(new ProjectSubmitted
        {
            ProjectId = projectId,
            CustomerId = "demo",
            AggregatorImage = AggregatorImage,
            LearnerImage = LearnerImage,
            Learners = learners,
            DataTags = ["mnist"],
        }, cancellationToken);

        var status = bus.CreateRequestClient<GetProjectStatus>(new Uri($"queue:{EndpointNames.Deployment}"));
        async Task<ProjectStatus?> Current()
        {
            var r = await status.GetResponse<ProjectStatus, ProjectNotFound>(new GetProjectStatus { ProjectId = projectId }, cancellationToken);
            return r.Is(out Response<ProjectStatus>? s) ? s.Message : null;
        }

        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Live(new Text($"project {projectId}: submitted")).StartAsync(async live =>
            {
                while (!outcome.Task.IsCompleted)
                {
                    if (await Current() is { } s) live.UpdateTarget(StatusTable.Render(s));
                    await Task.WhenAny(outcome.Task, Task.Delay(200, cancellationToken));
                }
            });
        }
        var (ready, reason) = await outcome.Task.WaitAsync(cancellationToken);
        var elapsed = clock.ElapsedMilliseconds;

        if (await Current() is { } final)
            AnsiConsole.Write(StatusTable.Render(final));
        if (!ready)
        {
            Console.Error.WriteLine($"project {projectId} FAILED: {reason}");
            return 1;
        }
        Console.WriteLine($"project {projectId} READY in {elapsed} ms");
        return 0;
    }
}

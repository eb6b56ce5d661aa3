using FlopsBus.Cli;
using FlopsBus.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlopsBus.Tests;

/// <summary>The embedded system started for one test, with its own data folders, and a way to deploy a project on it.</summary>
public sealed class EmbeddedRun : IAsyncDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("flops-test-");
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private IHost _host = null!;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();
    public CancellationToken Timeout => _timeout.Token;

    public static async Task<EmbeddedRun> Start()
    {
        var run = new EmbeddedRun();
        run._host = EmbeddedSystem.Build(run._data.FullName);
        await run._host.StartAsync(run.Timeout);
        await EmbeddedSystem.WaitForNodes(run._host.Services, run.Timeout);
        return run;
    }

    /// <summary>Publishes the project and waits for its outcome: READY, or FAILED / REJECTED with the reason.</summary>
    public async Task<(string Status, string Reason)> Deploy(ProjectSubmitted project)
    {
        await using var outcome = await ProjectOutcome.Listen(Bus, project.ProjectId, CancellationToken.None);
        await Bus.Publish(project, Timeout);
        return await outcome.Task.WaitAsync(Timeout);
    }

    public async Task<ProjectStatus> Status(Guid projectId) =>
        await ProjectStatusQuery.Get(Bus, projectId, Timeout) ?? throw new InvalidOperationException($"project {projectId} is not known");

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
        _timeout.Dispose();
        _data.Delete(recursive: true);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using FlopsBus.Cli;
using FlopsBus.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace FlopsBus.Tests;

/// <summary>A deployment is one trace: from the submission through the planner, every agent and the saga to READY.</summary>
public sealed class TracingTests : IDisposable
{
    private static readonly ActivitySource Test = new("FlopsBus.Tests");
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("flops-trace-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task The_spans_of_a_deployment_from_submission_to_ready_form_one_trace()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "MassTransit" or FlopsTelemetry.Name or "FlopsBus.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var host = EmbeddedSystem.Build(_data.FullName);
        await host.StartAsync(timeout.Token);
        await EmbeddedSystem.WaitForNodes(host.Services, timeout.Token);
        var bus = host.Services.GetRequiredService<IBus>();
        var project = EmbeddedSystem.SampleProject(learners: 2);
        await using var outcome = await ProjectOutcome.Listen(bus, project.ProjectId);

        ActivityTraceId trace;
        using (var submit = Test.StartActivity("submit"))
        {
            trace = submit!.TraceId;
            await bus.Publish(project, timeout.Token);
        }
        Assert.True((await outcome.Task.WaitAsync(timeout.Token)).Ready);
        await host.StopAsync(timeout.Token);

        var ours = spans.Where(s => Equals(s.GetTagItem("flops.project"), project.ProjectId)).ToList();
        Assert.Equal(
            ["actor aggregator-connected", "actor aggregator-connected", "actor data-fetched", "actor data-fetched",
             "actor pull", "actor pull", "actor pull", "actor start", "actor start", "actor start", "placement", "project ready"],
            ours.Select(s => s.DisplayName).Order());
        Assert.All(ours, s => Assert.Equal(trace, s.TraceId));
    }
}

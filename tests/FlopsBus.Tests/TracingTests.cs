using System.Collections.Concurrent;
using System.Diagnostics;
using FlopsBus.Cli;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Tests;

/// <summary>A deployment is one trace: from the submission through the planner, every agent and the saga to READY.</summary>
public sealed class TracingTests
{
    private static readonly ActivitySource Test = new("FlopsBus.Tests");

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
        await using var run = await EmbeddedRun.Start();
        var project = EmbeddedSystem.SampleProject(learners: 2);

        ActivityTraceId trace;
        (string Status, string Reason) outcome;
        using (var submit = Test.StartActivity("submit"))
        {
            trace = submit!.TraceId;
            outcome = await run.Deploy(project);
        }

        Assert.True(outcome.Status == ProjectStatuses.Ready, outcome.Reason);
        var ours = spans.Where(s => Equals(s.GetTagItem("flops.project"), project.ProjectId)).ToList();
        Assert.Equal(
            ["actor aggregator-connected", "actor aggregator-connected", "actor data-fetched", "actor data-fetched",
             "actor pull", "actor pull", "actor pull", "actor start", "actor start", "actor start", "placement", "project ready"],
            ours.Select(s => s.DisplayName).Order());
        Assert.All(ours, s => Assert.Equal(trace, s.TraceId));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using FlopsBus.Contracts;
using FlopsBus.Deployment;
using FlopsBus.Testing;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlopsBus.Benchmarks;

/// <summary>
/// Pushes the events of 1,000 projects (<see cref="SagaEvents"/>) through the deployment saga on the real RabbitMQ and
/// PostgreSQL that `make infra` starts, in a virtual host and database of its own, and in turn the same events
/// through the transport alone (<see cref="TransportCeiling"/>).
/// </summary>
public static class SagaBenchmark
{
    private const int Projects = 1000;
    private const int Rounds = 3;

    /// <summary>
    /// A warm-up round of each first: the JIT takes a thousand projects to reach its last tier on every hot path, and
    /// until then it takes a tenth of the CPU. Then <see cref="Rounds"/> measured rounds (<see cref="SagaAgainstCeiling"/>).
    /// </summary>
    public static async Task<int> Run()
    {
        await using var isolated = await IsolatedBrokerAndDatabase.Create("flops-bench");
        // The saga's settings as a saga host takes them from its environment (FLOPS_Deployment__WriteDelay=00:00:00.050), to compare.
        var options = new ConfigurationBuilder().AddEnvironmentVariables("FLOPS_").Build().GetSection(DeploymentOptions.Section).Get<DeploymentOptions>();
        using var host = BenchHost.OnBus(isolated, bus => bus.AddDeploymentSaga(isolated.ConnectionString, options));
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        await using var ceiling = await TransportCeiling.Start();
        var cpu = new CpuUse([("this process: publishers and saga (ceiling: consumers)", CpuUse.This), .. CpuUse.Infrastructure]);

        var median = await SagaAgainstCeiling.Median(bus, isolated.ConnectionString, ceiling, cpu, Projects, warmUpProjects: Projects, Rounds);
        Console.WriteLine($"saga: {median.SagaEventsPerSecond:F0} events/s, p99 {median.P99ToReady:F0} ms to READY; " +
                          $"saga at {median.Ratio:F2} of the transport ceiling ({median.CeilingEventsPerSecond:F0} events/s)");
        SagaAgainstCeiling.PrintCpu(median);
        await host.StopAsync();
        return 0;
    }

    /// <summary>Publishes <paramref name="plan"/> to the saga(s) behind <paramref name="bus"/> and waits until every project is READY.</summary>
    public static async Task<(int Events, TimeSpan Elapsed, List<double> ToReady)> Measure(IBus bus, List<List<object>> plan, bool report)
    {
        var firstPublished = new ConcurrentDictionary<Guid, long>();
        var readyAt = new ConcurrentDictionary<Guid, long>();
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = BenchHost.Watch(bus, "flops-bench-ready", e =>
            e.Handler<ProjectReady>(c =>
            {
                if (firstPublished.ContainsKey(c.Message.ProjectId) && readyAt.TryAdd(c.Message.ProjectId, Stopwatch.GetTimestamp()) && readyAt.Count == plan.Count)
                    allReady.TrySetResult();
                return Task.CompletedTask;
            }));
        await watch.Ready;

        var events = plan.Sum(p => p.Count);
        var published = 0;
        var clock = Stopwatch.StartNew();
        using var progress = report ? new Timer(_ => Console.Error.WriteLine(
            $"  {clock.Elapsed.TotalSeconds,5:F1} s  published {Volatile.Read(ref published),6}/{events}  ready {readyAt.Count,5}/{plan.Count}"),
            null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)) : null;
        await SagaEvents.Publish(bus, plan, id => firstPublished.TryAdd(id, Stopwatch.GetTimestamp()), () => Interlocked.Increment(ref published));
        await allReady.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed;
        await watch.StopAsync();

        var toReady = readyAt.Select(r => Stopwatch.GetElapsedTime(firstPublished[r.Key], r.Value).TotalMilliseconds).ToList();
        return (events, elapsed, toReady);
    }
}

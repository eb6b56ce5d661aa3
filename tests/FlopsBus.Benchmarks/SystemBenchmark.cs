using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using FlopsBus.Contracts;
using FlopsBus.HollowNodes;
using FlopsBus.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Benchmarks;

/// <summary>
/// The whole system at scale on the real RabbitMQ and PostgreSQL: hollow nodes (<c>FlopsBus.HollowNodes</c>, real
/// agents on the simulated runtime) in four processes, two planners and two saga hosts in processes of their own, and
/// projects of one aggregator and ten learners submitted at a fixed rate. It prints submit-to-READY figures and what
/// was lost, optionally kills the active planner halfway (failover), and then measures the saga hosts against the
/// transport's ceiling (<see cref="TransportCeiling"/>).
/// </summary>
public static class SystemBenchmark
{
    private const int HollowProcesses = 4;
    private const int Clusters = 10;
    private const int Learners = 10;
    private const int WarmUpProjects = 40;
    private const int WarmUpRounds = 3;
    private static readonly TimeSpan WarmUpPause = TimeSpan.FromSeconds(5);
    private const int SagaRounds = 3;
    /// <summary>Every project stays deployed to the end, the warm-up's too: room for 64 learners on each node.</summary>
    private static readonly ActorResources NodeCapacity = new() { CpuMillis = 32_000, MemoryMb = 65_536 };

    public static async Task<int> Run(int nodes, int projects, double rate, bool killPlanner, int sagaHosts)
    {
        await RequireBrokerConnections(nodes + 200);
        await using var isolated = await IsolatedBrokerAndDatabase.Create("flops-system");
        var clock = Stopwatch.StartNew();
        var accounts = await AddNodes(isolated, nodes);
        Console.Error.WriteLine($"  {nodes} node accounts in {clock.Elapsed.TotalSeconds:F0} s");

        var quiet = new Dictionary<string, string?>(isolated.BusSettings) { ["Logging:LogLevel:Default"] = "Warning" };
        var services = new List<ServiceHost>();
        try
        {
            // One saga host runs the migrations before the second starts; the first planner to consume is the active one.
            var sagaHostProcesses = new List<ServiceHost>();
            foreach (var _ in Enumerable.Range(0, sagaHosts))
            {
                var sagaHost = ServiceHost.Start("deployment", "FlopsBus.Deployment.Host", quiet, isolated.ConnectionString);
                services.Add(sagaHost);
                sagaHostProcesses.Add(sagaHost);
                await sagaHost.HealthUntil(TimeSpan.FromMinutes(1), "Healthy");
            }
            var planners = new List<ServiceHost>();
            foreach (var _ in Enumerable.Range(0, 2))
            {
                var planner = ServiceHost.Start("planner", "FlopsBus.Planner.Host",
                    new Dictionary<string, string?>(quiet) { ["Planner:TrackingImage"] = "" }, isolated.ConnectionString);
                services.Add(planner);
                planners.Add(planner);
                await planner.HealthUntil(TimeSpan.FromMinutes(1), "Healthy");
            }
            var folder = Directory.CreateTempSubdirectory("flops-hollow-");
            List<ServiceHost> hollowProcesses;
            try
            {
                hollowProcesses = await StartHollowNodes(accounts, folder.FullName, quiet, services);
            }
            finally
            {
                folder.Delete(recursive: true);   // the node accounts' passwords: read at start-up, kept no longer
            }
            Console.Error.WriteLine($"  {nodes} hollow nodes up in {clock.Elapsed.TotalSeconds:F0} s");

            using var host = BenchHost.OnBus(isolated, _ => { });
            await host.StartAsync();
            var bus = host.Services.GetRequiredService<IBus>();
            await WaitForLiveNodes(bus, nodes);

            // A warm-up first, through every process: the JIT and the first connections to the database cost the first
            // projects seconds that are no part of the system's steady state.
            // Twice, each followed by a quiet pause: .NET's tiered JIT counts calls only after a quiet spell and then
            // recompiles the hot methods in the background. With one round and no pause that storm came 10-15 s into
            // the measured run in every process at once, and stalled everything for seconds (at 10 projects/s: p99
            // 5.6-9.2 s, its slowest 1% all submitted within 2 s; with the tiered JIT off, p99 1.1 s).
            for (var round = 1; round <= WarmUpRounds; round++)
            {
                await SubmitAndFollow(bus, WarmUpProjects, rate, victim: null);
                Console.Error.WriteLine($"  warm-up {round}: {WarmUpProjects} projects READY");
                await Task.Delay(WarmUpPause);
            }
            var run = await SubmitAndFollow(bus, projects, rate, killPlanner ? planners[0] : null);
            run.Report(NodeCapacity, accounts.Count);

            // The saga hosts alone against the transport, as bench-saga measures it, with a quarter of the projects to warm up.
            var cpu = new CpuUse([
                ("saga hosts", CpuUse.Pids(sagaHostProcesses.Select(s => s.ProcessId).ToArray())),
                ("benchmark: publishers (ceiling: and consumers)", CpuUse.This), .. CpuUse.Infrastructure,
                ("planners", CpuUse.Pids(planners.Select(p => p.ProcessId).ToArray())),
                ("hollow nodes", CpuUse.Pids(hollowProcesses.Select(s => s.ProcessId).ToArray()))]);
            await using var ceiling = await TransportCeiling.Start();
            var median = await SagaAgainstCeiling.Median(bus, isolated.ConnectionString, ceiling, cpu, projects, warmUpProjects: projects / 4, SagaRounds);
            Console.WriteLine($"saga at {median.Ratio:F2} of the transport ceiling ({median.SagaEventsPerSecond:F0} vs " +
                              $"{median.CeilingEventsPerSecond:F0} events/s, {sagaHosts} saga hosts)");
            SagaAgainstCeiling.PrintCpu(median);
            await host.StopAsync();
        }
        finally
        {
            foreach (var service in services) await service.DisposeAsync();
        }
        return 0;
    }

    /// <summary>A broker connection is a file descriptor: a broker started with the shell's 1,024 cannot take a thousand nodes.</summary>
    private static async Task RequireBrokerConnections(int needed)
    {
        using var management = new RabbitMqManagement();
        var node = (await management.Broker.Http.GetFromJsonAsync<JsonElement[]>("nodes"))![0];
        var limit = node.GetProperty("fd_total").GetInt32();
        if (limit < needed)
            throw new InvalidOperationException($"The broker may hold {limit} file descriptors, and {needed} connections need more: " +
                "restart it with tests/infra/up.sh, which raises the limit (tests/infra/down.sh first).");
    }

    /// <summary>Node i: cluster i mod 10, with the flops-learner add-on for three in five (600 of 1,000), each with its own account.</summary>
    private static async Task<List<HollowNodeAccount>> AddNodes(IsolatedBrokerAndDatabase isolated, int nodes)
    {
        var accounts = new ConcurrentBag<HollowNodeAccount>();
        await Parallel.ForEachAsync(Enumerable.Range(0, nodes), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var id = $"hollow-{i:D4}";
            var account = await isolated.Management.AddNode(isolated.VirtualHost, id);
            accounts.Add(new HollowNodeAccount(id, account.Username, account.Password, $"cluster-{i % Clusters}",
                i % 5 < 3 ? [NodeAddOns.FlopsLearner] : []));
            if (accounts.Count % 200 == 0) Console.Error.WriteLine($"  node accounts: {accounts.Count}/{nodes}");
        });
        return accounts.OrderBy(a => a.NodeId, StringComparer.Ordinal).ToList();
    }

    private static async Task<List<ServiceHost>> StartHollowNodes(List<HollowNodeAccount> accounts, string folder, Dictionary<string, string?> settings, List<ServiceHost> services)
    {
        var hollowSettings = new Dictionary<string, string?>(settings)
        {
            ["Agent:CpuMillis"] = NodeCapacity.CpuMillis.ToString(),
            ["Agent:MemoryMb"] = NodeCapacity.MemoryMb.ToString(),
        };
        var started = new List<ServiceHost>();
        for (var p = 0; p < HollowProcesses; p++)
        {
            var file = Path.Combine(folder, $"nodes-{p}.json");
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(accounts.Where((_, i) => i % HollowProcesses == p), JsonSerializerOptions.Web));
            var hollow = ServiceHost.StartProgram("tests/FlopsBus.HollowNodes", "FlopsBus.HollowNodes", hollowSettings, file);
            services.Add(hollow);
            started.Add(hollow);
        }
        await Task.WhenAll(started.Select(h => h.WaitForOutput(" up in ", TimeSpan.FromMinutes(5))));
        return started;
    }

    private static async Task<SystemRun> SubmitAndFollow(IBus bus, int projects, double rate, ServiceHost? victim)
    {
        var run = new SystemRun(projects);
        var watch = run.Watch(bus);
        await watch.Ready;
        await Submit(bus, run, projects, rate, victim);
        await run.Finished(TimeSpan.FromSeconds(60));
        await watch.StopAsync();
        return run;
    }

    /// <summary>Asks the planner until it holds every node live, showing how many it does.</summary>
    private static async Task WaitForLiveNodes(IBus bus, int nodes)
    {
        var client = bus.CreateRequestClient<GetNodes>(EndpointNames.PlannerControlAddress, RequestTimeout.After(s: 10));
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var live = (await client.GetResponse<NodeList>(new GetNodes())).Message.Nodes.Count(n => n.Live);
            Console.Error.WriteLine($"  planner sees {live}/{nodes} nodes live");
            if (live == nodes) return;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"The planner saw {live} of {nodes} nodes live after 2 minutes.");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Submits at a fixed rate (each at its own moment, not after the last one's publish); kills <paramref name="victim"/> halfway.</summary>
    private static async Task Submit(IBus bus, SystemRun run, int projects, double rate, ServiceHost? victim)
    {
        var start = Stopwatch.GetTimestamp();
        using var progress = new Timer(_ => Console.Error.WriteLine(run.Progress()), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        for (var i = 0; i < projects; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero) await Task.Delay(due);
            if (victim is not null && i == projects / 2)
            {
                run.PlannerKilled(victim.ProcessId);
                await victim.Kill();
                Console.Error.WriteLine($"  killed the active planner (pid {victim.ProcessId}) with SIGKILL");
            }
            var project = new ProjectSubmitted
            {
                ProjectId = Guid.NewGuid(), CustomerId = $"customer-{i % 10}",
                AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1", LearnerImage = "127.0.0.1:5000/flops/sample-learner:1",
                Learners = Learners, DataTags = ["mnist"],
            };
            run.Submitted(project.ProjectId);
            await bus.Publish(project);
        }
    }
}

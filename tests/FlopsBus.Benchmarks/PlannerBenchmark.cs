using System.Diagnostics;
using FlopsBus.Contracts;
using FlopsBus.Planner;

namespace FlopsBus.Benchmarks;

/// <summary>
/// Places 10,000 actors (projects of 1 aggregator + 10 learners) on 5,000 nodes through the planner's own
/// placement book (the engine plus reservations and commands), one project after another as the consumer does.
/// </summary>
public static class PlannerBenchmark
{
    private const int Nodes = 5000;
    private const int Actors = 10_000;
    private const int LearnersPerProject = 10;
    private const string AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1";
    private const string LearnerImage = "127.0.0.1:5000/flops/sample-learner:1";

    public static int Run()
    {
        var projects = (int)Math.Ceiling(Actors / (double)(LearnersPerProject + 1));
        Measure(projects: 200); // warm-up: JIT and tiered compilation
        var (elapsed, perProject, placedActors, failures) = Measure(projects);

        perProject.Sort();
        var p99 = perProject[(int)Math.Ceiling(perProject.Count * 0.99) - 1];
        Console.WriteLine($"placed {placedActors} actors in {projects} projects on {Nodes} nodes in {elapsed.TotalMilliseconds:F0} ms " +
                          $"(median {perProject[perProject.Count / 2]:F3} ms per project, {failures} refused)");
        Console.WriteLine($"planner: {placedActors / elapsed.TotalSeconds:F0} placements/s, p99 {p99:F3} ms per project at {Nodes} nodes");
        return failures == 0 ? 0 : 1;
    }

    private static (TimeSpan Elapsed, List<double> PerProject, int Actors, int Failures) Measure(int projects)
    {
        var options = new PlannerOptions { AllowedRegistries = ["127.0.0.1:5000"] };
        var registry = new NodeRegistry(options, TimeProvider.System);
        var ledger = new ReservationLedger(registry);
        var placements = new ProjectPlacer(registry, ledger, options);
        var random = new Random(42);
        for (var i = 0; i < Nodes; i++)
            ledger.Observe(new NodeSnapshot
            {
                NodeId = $"node-{i:D4}",
                Address = $"10.{i / 250}.{i % 250}.1",
                AddOns = i % 5 < 3 ? [NodeAddOns.FlopsLearner] : [],
                Cluster = $"cluster-{i % 20}",
                Capacity = new ActorResources { CpuMillis = 4000 + random.Next(4) * 2000, MemoryMb = 8192 + random.Next(4) * 4096 },
                CachedImages = random.Next(10) == 0 ? [AggregatorImage, LearnerImage] : [],
                PortRangeStart = 41000,
                PortRangeEnd = 41099,
                HeartbeatInterval = TimeSpan.FromSeconds(5),
            });

        var perProject = new List<double>(projects);
        var placed = 0;
        var failures = 0;
        var total = Stopwatch.StartNew();
        for (var p = 0; p < projects; p++)
        {
            var started = Stopwatch.GetTimestamp();
            var decision = placements.Place(new ProjectSubmitted
            {
                ProjectId = Guid.NewGuid(),
                CustomerId = $"customer-{p % 50}",
                AggregatorImage = AggregatorImage,
                LearnerImage = LearnerImage,
                Learners = LearnersPerProject,
                DataTags = ["mnist"],
            });
            perProject.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (decision.Succeeded) placed += decision.Actors.Count;
            else failures++;
        }
        return (total.Elapsed, perProject, placed, failures);
    }
}

using System.Diagnostics;
using FlopsBus.Contracts;
using FlopsBus.Planner;

namespace FlopsBus.Benchmarks;

/// <summary>
/// Places 10,000 actors (projects of 1 aggregator + 10 learners) through the planner's own placement book (the
/// engine plus reservations and commands), one project after another as the consumer does, on clusters of each
/// size asked for. A round takes a fraction of a second on a machine others share, so each size runs rounds for
/// several seconds and reports their medians; every round starts from the same cluster, the previous round's
/// projects given back.
/// </summary>
public static class PlannerBenchmark
{
    private const int Actors = 10_000;
    private const int LearnersPerProject = 10;
    private const int MinRounds = 3;
    private static readonly TimeSpan MeasuredPerSize = TimeSpan.FromSeconds(5);
    private const string AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1";
    private const string LearnerImage = "127.0.0.1:5000/flops/sample-learner:1";

    public static int Run(IReadOnlyList<int> sizes)
    {
        var projects = (int)Math.Ceiling(Actors / (double)(LearnersPerProject + 1));
        var refused = 0;
        foreach (var nodes in sizes)
        {
            var cluster = new Cluster(nodes);
            cluster.Round(projects: 200); // warm-up: JIT and tiered compilation, and the cluster's first touch
            var rounds = new List<Round>();
            while (rounds.Count < MinRounds || rounds.Sum(r => r.Elapsed.TotalSeconds) < MeasuredPerSize.TotalSeconds)
                rounds.Add(cluster.Round(projects));

            refused += rounds.Sum(r => r.Refused);
            var perSecond = Medians.Of(rounds.Select(r => r.Placed / r.Elapsed.TotalSeconds));
            var p99 = Medians.Of(rounds.Select(r => r.P99Milliseconds));
            Console.WriteLine($"planner: {perSecond:F0} placements/s, p99 {p99:F3} ms per project at {nodes} nodes");
        }
        if (refused > 0) Console.Error.WriteLine($"{refused} projects refused: a benchmark cluster has room for every project");
        return refused == 0 ? 0 : 1;
    }

    private sealed record Round(TimeSpan Elapsed, double P99Milliseconds, int Placed, int Refused);

    /// <summary>A planner that knows <c>nodes</c> nodes: 3 in 5 with the learner add-on, 20 clusters, 1 in 10 holding both images.</summary>
    private sealed class Cluster
    {
        private readonly ReservationLedger _ledger;
        private readonly ProjectPlacer _placer;
        private int _customer;

        public Cluster(int nodes)
        {
            var options = new PlannerOptions { AllowedRegistries = ["127.0.0.1:5000"] };
            var registry = new NodeRegistry(options, TimeProvider.System);
            _ledger = new ReservationLedger(registry);
            _placer = new ProjectPlacer(registry, _ledger, options);
            var random = new Random(42);
            for (var i = 0; i < nodes; i++)
                _ledger.Observe(new NodeSnapshot
                {
                    NodeId = $"node-{i:D5}",
                    Address = $"10.{i / 250}.{i % 250}.1",
                    AddOns = i % 5 < 3 ? [NodeAddOns.FlopsLearner] : [],
                    Cluster = $"cluster-{i % 20}",
                    Capacity = new ActorResources { CpuMillis = 4000 + random.Next(4) * 2000, MemoryMb = 8192 + random.Next(4) * 4096 },
                    CachedImages = random.Next(10) == 0 ? [AggregatorImage, LearnerImage] : [],
                    PortRangeStart = 41000,
                    PortRangeEnd = 41099,
                    HeartbeatInterval = TimeSpan.FromSeconds(5),
                });
        }

        /// <summary>Places the projects, timed, then gives back everything they and their observatories hold.</summary>
        public Round Round(int projects)
        {
            var perProject = new List<double>(projects);
            var held = new HashSet<Guid>();
            var placed = 0;
            var refused = 0;
            var total = Stopwatch.StartNew();
            for (var p = 0; p < projects; p++)
            {
                var started = Stopwatch.GetTimestamp();
                var decision = _placer.Place(new ProjectSubmitted
                {
                    ProjectId = Guid.NewGuid(),
                    CustomerId = $"customer-{_customer++ % 50}",
                    AggregatorImage = AggregatorImage,
                    LearnerImage = LearnerImage,
                    Learners = LearnersPerProject,
                    DataTags = ["mnist"],
                });
                perProject.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!decision.Succeeded)
                {
                    refused++;
                    continue;
                }
                placed += decision.Actors.Count;
                held.Add(decision.Actors[0].Actor.ProjectId);
                if (decision.Observatory is { New: true } observatory) held.Add(observatory.ObservatoryId);
            }
            var elapsed = total.Elapsed;

            foreach (var id in held) _ledger.ReleaseProject(id);
            return new Round(elapsed, Percentiles.Of(perProject, 0.99), placed, refused);
        }
    }
}

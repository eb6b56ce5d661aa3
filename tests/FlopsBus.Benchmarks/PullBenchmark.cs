using System.Diagnostics;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Planner;
using Microsoft.Extensions.DependencyInjection;
using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>
/// make bench-pull: an edge site of <c>nodes</c> nodes, each with its own Docker engine and an empty image cache, whose
/// only way to the registry is one shared uplink (a shaped relay that counts its bytes). One project (an aggregator
/// and a learner per node, the large FL image pair) deployed by FlopsBus's agents, which pull through the cluster's
/// cache, and by the plain script, in which every node pulls for itself; alternating which goes first, the node
/// caches (and the cluster cache) emptied before every round. Medians of the time until every learner is connected
/// and of the bytes that crossed the uplink, then the agents' footprint.
/// </summary>
public static class PullBenchmark
{
    private const string AggregatorRepository = "flops/fl-aggregator";
    private const string LearnerRepository = "flops/fl-learner";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<int> Run(int rounds, int nodes, long uplinkBitsPerSecond)
    {
        var data = NodeDataFolder.Create("flops-bench-");
        Directory.CreateDirectory(Path.Combine(data.FullName, "mnist"));
        await File.WriteAllLinesAsync(Path.Combine(data.FullName, "mnist", "part-0.csv"), Enumerable.Range(0, 600).Select(n => $"{n},{n % 10}"));
        var registryPort = int.Parse(TestEnvironment.Registry.Split(':')[1]);
        await using var uplink = new TcpRelay("127.0.0.1", registryPort, uplinkBitsPerSecond);
        // The site reaches the registry through its uplink only, so the images' names are the uplink's.
        var registry = $"127.0.0.1:{uplink.Port}";
        var (aggregatorImage, learnerImage) = ($"{registry}/{AggregatorRepository}:1", $"{registry}/{LearnerRepository}:1");
        // The aggregator's layers include the learner's: its image is the pair's unique bytes.
        var imageBytes = await BenchEngines.CompressedBytes(AggregatorRepository, "1");
        var engines = Enumerable.Range(1, nodes).Select(TestEnvironment.NodeEngine).ToList();
        await using var cache = await ClusterImageCache.Start(registry);
        Console.WriteLine($"Edge site: {nodes} nodes, an engine each, uplink {uplinkBitsPerSecond / 1e6:0} Mbit/s to the registry, " +
                          $"cluster cache at {cache.Address}; images {imageBytes / 1e6:0} MB compressed.");

        var basePort = 31000 + Random.Shared.Next(0, 50) * 30;
        // The planner and the saga run too, for the image locality rounds (the pull rounds drive the agents directly).
        await using var agents = await AgentSide.Start(side => Enumerable.Range(1, nodes).Select(n => (side.NodeName($"edge{n}"), (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
        {
            ["Runtime"] = "docker",
            ["DockerEndpoint"] = engines[n - 1],
            ["DataDir"] = data.FullName,
            ["AddOns:0"] = NodeAddOns.FlopsLearner,
            ["StopGracePeriod"] = "00:00:02",
            ["AllowedRegistries:0"] = registry,
            ["RegistryMirrors:0:Registry"] = registry,
            ["RegistryMirrors:0:Mirror"] = cache.Address,
            // Ports for the aggregators the planner places: the nodes share the machine's.
            ["PortRangeStart"] = (28000 + n * 10).ToString(),
            ["PortRangeEnd"] = (28000 + n * 10 + 9).ToString(),
            ["HeartbeatInterval"] = "00:00:02",
        })), new Dictionary<string, string?> { ["Planner:AllowedRegistries:0"] = registry, ["Planner:TrackingImage"] = "" });
        var idle = agents.Agents.Select(a => a.ResidentBytes).ToList();
        var firstHeartbeat = agents.Agents.Select(a => a.FirstPrinted($"Node {a.NodeId} registered")!.Value).ToList();
        var nodeNames = agents.Agents.Select(a => a.NodeId).ToList();
        var busy = new List<long>();
        var port = basePort;
        try
        {
            async Task<(TimeSpan Elapsed, long Uplink)> Measure(Func<Task<TimeSpan>> deploy, Func<Task> remove)
            {
                foreach (var engine in engines) await BenchEngines.Evict(engine, aggregatorImage, learnerImage);
                await cache.Empty();
                var before = uplink.BytesCarried;
                var elapsed = await deploy();
                var crossed = uplink.BytesCarried - before;
                await remove();
                return (elapsed, crossed);
            }
            Task<(TimeSpan, long)> FlopsBus() => Measure(async () =>
            {
                var elapsed = await agents.Deploy(AgentSide.Project(nodeNames[0], nodeNames, aggregatorImage, learnerImage, port++), Patience);
                busy.Add(agents.Agents[0].ResidentBytes);   // the aggregator's node: two actors
                return elapsed;
            }, agents.Remove);
            var prefix = "";
            Task<(TimeSpan, long)> Raw() => Measure(async () =>
            {
                prefix = $"flops-bench-raw-{Guid.NewGuid():N}"[..28];
                // From the script's start to its end, when the last learner has connected.
                return await YardstickScript.Time("raw-docker-cluster.sh", [aggregatorImage, learnerImage, (port++).ToString(), data.FullName, prefix, .. engines]);
            }, async () => { foreach (var engine in engines) await BenchEngines.RemoveContainers(engine, $"flops.bench={prefix}"); });

            var results = new List<((TimeSpan Elapsed, long Uplink) FlopsBus, (TimeSpan Elapsed, long Uplink) Raw)>();
            Console.WriteLine($"{"round",5}  {"first",-7}  {"flopsbus ms",11}  {"docker ms",9}  {"ratio",5}  {"uplink MB",9}  {"docker MB",9}");
            for (var round = 1; round <= rounds; round++)
            {
                var flopsFirst = round % 2 == 1;
                (TimeSpan, long) f, r;
                if (flopsFirst) { f = await FlopsBus(); r = await Raw(); }
                else { r = await Raw(); f = await FlopsBus(); }
                results.Add((f, r));
                Console.WriteLine($"{round,5}  {(flopsFirst ? "flopsbus" : "docker"),-7}  {f.Item1.TotalMilliseconds,11:0}  {r.Item1.TotalMilliseconds,9:0}  " +
                                  $"{f.Item1 / r.Item1,5:0.00}  {f.Item2 / 1e6,9:0}  {r.Item2 / 1e6,9:0}");
            }
            var flopsMs = Medians.Of(results.Select(x => x.FlopsBus.Elapsed.TotalMilliseconds));
            var rawMs = Medians.Of(results.Select(x => x.Raw.Elapsed.TotalMilliseconds));
            Console.WriteLine($"pull: {flopsMs / rawMs:0.00}x raw docker ({flopsMs:0} ms vs {rawMs:0} ms), " +
                              $"uplink {Medians.Of(results.Select(x => (double)x.FlopsBus.Uplink)) / 1e6:0} MB vs {Medians.Of(results.Select(x => (double)x.Raw.Uplink)) / 1e6:0} MB " +
                              $"per project (images {imageBytes / 1e6:0} MB) at {nodes} nodes");
            var locality = await Locality(agents, cache, engines, aggregatorImage, learnerImage, rounds);
            Console.WriteLine($"locality: second project {locality.Second:0} ms vs {locality.Floor:0} ms warm floor ({locality.Second / locality.Floor:0.00}x), " +
                              $"submission to READY at {nodes} nodes");
            Console.WriteLine($"agent footprint: {Medians.Of(idle.Select(b => (double)b)) / 1e6:0} MB RSS idle, {Medians.Of(busy.Select(b => (double)b)) / 1e6:0} MB with 2 actors, " +
                              $"{Medians.Of(firstHeartbeat.Select(t => t.TotalMilliseconds)):0} ms to first heartbeat");
            return 0;
        }
        finally
        {
            foreach (var engine in engines)
            {
                foreach (var node in nodeNames) await BenchEngines.RemoveContainers(engine, $"{Labels.Node}={node}");
                await BenchEngines.Evict(engine, aggregatorImage, learnerImage);
            }
            data.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Image locality, through the planner and the saga, from submission to READY: a second project on the caches a first
    /// one left (every node holds the learner's image, one node the aggregator's) against the floor, the same project
    /// with every image on every node. Only the planner's choice of node for the aggregator differs. Alternating, medians.
    /// </summary>
    private static async Task<(double Second, double Floor)> Locality(AgentSide side, ClusterImageCache cache, IReadOnlyList<string> engines,
        string aggregatorImage, string learnerImage, int rounds)
    {
        var registry = aggregatorImage[..aggregatorImage.IndexOf('/')];
        var throughCache = aggregatorImage.Replace(registry, cache.Address);
        async Task AggregatorImageOn(IEnumerable<string> holding)
        {
            var holders = holding.ToHashSet();
            foreach (var engine in engines)
            {
                var holds = (await DockerCli.Run(["-H", engine, "images", "-q", aggregatorImage])).Trim().Length > 0;
                if (holders.Contains(engine) && !holds)
                {
                    await DockerCli.Run(["-H", engine, "pull", "-q", throughCache]);
                    await DockerCli.Run(["-H", engine, "tag", throughCache, aggregatorImage]);
                    await DockerCli.Run(["-H", engine, "rmi", throughCache]);
                }
                else if (!holders.Contains(engine) && holds)
                    await DockerCli.Run(["-H", engine, "rmi", aggregatorImage]);
            }
            // The pulls' writes reach the disk now rather than during the measured deployment.
            await Processes.Run("sync", []);
            // The planner places on what the nodes last reported (a heartbeat every 2 s): wait until it knows.
            var registryOfNodes = side.Services.GetRequiredService<NodeRegistry>();
            var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
            while (registryOfNodes.LiveNodes().Count(n => n.CachedImages.Contains(aggregatorImage)) != holders.Count)
            {
                if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"The planner does not see {aggregatorImage} on {holders.Count} nodes");
                await Task.Delay(100);
            }
        }
        async Task<double> SubmitToReady()
        {
            var project = new ProjectSubmitted
            {
                ProjectId = Guid.NewGuid(), CustomerId = "bench", Learners = engines.Count, DataTags = ["mnist"],
                AggregatorImage = aggregatorImage, LearnerImage = learnerImage,
            };
            var clock = Stopwatch.StartNew();
            await side.Bus.Publish(project);
            await side.Events.WaitFor<ProjectReady>(r => r.ProjectId == project.ProjectId, Patience);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            await side.Bus.Publish(new CancelProject { ProjectId = project.ProjectId, Reason = "bench round over" });
            await side.Events.WaitFor<ActorRemoved>(r => r.ProjectId == project.ProjectId, Patience, count: engines.Count + 1);
            return elapsed;
        }

        var (second, floor) = (new List<double>(), new List<double>());
        async Task Second()
        {
            await AggregatorImageOn(engines.Skip(second.Count % engines.Count).Take(1));
            second.Add(await SubmitToReady());
        }
        async Task Floor()
        {
            await AggregatorImageOn(engines);
            floor.Add(await SubmitToReady());
        }
        Console.WriteLine($"{"round",5}  {"first",-6}  {"second ms",9}  {"floor ms",8}");
        for (var round = 1; round <= rounds; round++)
        {
            var secondFirst = round % 2 == 1;
            if (secondFirst) { await Second(); await Floor(); }
            else { await Floor(); await Second(); }
            Console.WriteLine($"{round,5}  {(secondFirst ? "second" : "floor"),-6}  {second[^1],9:0}  {floor[^1],8:0}");
        }
        return (Medians.Of(second), Medians.Of(floor));
    }
}

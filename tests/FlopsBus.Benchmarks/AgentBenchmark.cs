using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>
/// make bench-agent: the same five actors (an aggregator and four learners, fresh pulls from the registry, until every
/// learner is connected) deployed through the agents and by the fastest plain docker script, alternating which goes
/// first, after one unmeasured round each (agents are long-lived processes: their first round pays for JIT).
/// </summary>
public static class AgentBenchmark
{
    public static async Task<int> Run(int rounds)
    {
        var data = NodeDataFolder.Create("flops-bench-");
        Directory.CreateDirectory(Path.Combine(data.FullName, "mnist"));
        await File.WriteAllLinesAsync(Path.Combine(data.FullName, "mnist", "part-0.csv"), Enumerable.Range(0, 600).Select(n => $"{n},{n % 10}"));

        Console.WriteLine("Pushing the bench's images (the sample actors on layers of their own)...");
        var images = await BenchImages.Push(TestEnvironment.RepositoryRoot);
        try
        {
            // Two nodes on the one engine, one for the aggregator and one for the four learners: each image is pulled once,
            // as the script pulls it.
            var settings = new Dictionary<string, string>
            {
                ["Runtime"] = "docker",
                ["DockerEndpoint"] = TestEnvironment.DockerEndpoint,
                ["DataDir"] = data.FullName,
                ["AddOns:0"] = NodeAddOns.FlopsLearner,
                ["StopGracePeriod"] = "00:00:02",
            };
            await using var agents = await AgentSide.Start(side => [(side.NodeName("aggregator"), settings), (side.NodeName("learners"), settings)]);
            try
            {
                var results = await Alternate(rounds, images, agents, new RawDockerSide(data.FullName));
                var agentsMedian = Medians.Of(results.Select(x => x.Agents.TotalMilliseconds));
                var rawMedian = Medians.Of(results.Select(x => x.Raw.TotalMilliseconds));
                Console.WriteLine($"agent overhead: {agentsMedian / rawMedian:0.00}x raw docker ({agentsMedian:0} ms vs {rawMedian:0} ms)");
                return 0;
            }
            finally
            {
                foreach (var agent in agents.Agents) await BenchEngines.RemoveContainers(TestEnvironment.DockerEndpoint, $"{Labels.Node}={agent.NodeId}");
            }
        }
        finally
        {
            await images.Evict();
            data.Delete(recursive: true);
        }
    }

    private static async Task<List<(TimeSpan Agents, TimeSpan Raw)>> Alternate(int rounds, BenchImages images, AgentSide agents, RawDockerSide raw)
    {
        // Below the ephemeral range (32768-60999), where no outgoing connection can hold it; and a port of its own for
        // every deployment, as an aggregator's port may linger after its container is gone (host network).
        var port = 31000 + Random.Shared.Next(0, 50) * 30;
        async Task<TimeSpan> Measure(Func<BenchImages, int, Task<TimeSpan>> deploy, Func<Task> remove)
        {
            await images.Evict();
            var elapsed = await deploy(images, port++);
            await remove();
            return elapsed;
        }
        var (aggregatorNode, learnerNode) = (agents.Agents[0].NodeId, agents.Agents[1].NodeId);
        Task<TimeSpan> Agents() => Measure((images, port) => agents.Deploy(
            AgentSide.Project(aggregatorNode, Enumerable.Repeat(learnerNode, 4).ToList(), images.Aggregator, images.Learner, port), TimeSpan.FromMinutes(1)), agents.Remove);
        Task<TimeSpan> Raw() => Measure(raw.Deploy, raw.Remove);

        await Agents();
        await Raw();
        var results = new List<(TimeSpan Agents, TimeSpan Raw)>();
        Console.WriteLine($"{"round",5}  {"first",-6}  {"agents ms",9}  {"docker ms",9}  {"ratio",6}");
        for (var round = 1; round <= rounds; round++)
        {
            var agentsFirst = round % 2 == 1;
            TimeSpan a, r;
            if (agentsFirst) { a = await Agents(); r = await Raw(); }
            else { r = await Raw(); a = await Agents(); }
            results.Add((a, r));
            Console.WriteLine($"{round,5}  {(agentsFirst ? "agents" : "docker"),-6}  {a.TotalMilliseconds,9:0}  {r.TotalMilliseconds,9:0}  {a / r,6:0.00}");
        }
        return results;
    }
}

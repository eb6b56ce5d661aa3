using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>
/// make bench-footprint: one agent's memory, the build that <see cref="AgentProcess.ProgramVariable"/> names (make
/// agent-edge's publish) or else the normal one. Each round starts a fresh agent on one node engine, reads its resident
/// memory (VmRSS) after it idled <see cref="Idle"/>, deploys an aggregator and a learner onto it (pulled from the test
/// registry after they were evicted, so the pull, the containers, their output and the bus's messages all run), reads it again while both run,
/// removes them and stops the agent. Prints the medians.
/// </summary>
public static class FootprintBenchmark
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(20);

    public static async Task<int> Run(int rounds, string engine)
    {
        var program = Environment.GetEnvironmentVariable(AgentProcess.ProgramVariable) is { Length: > 0 } p ? p : "the normal build";
        Console.WriteLine($"Agent: {program}; engine {engine}; {rounds} rounds.");
        var data = NodeDataFolder.Create("flops-bench-");
        Directory.CreateDirectory(Path.Combine(data.FullName, "mnist"));
        await File.WriteAllLinesAsync(Path.Combine(data.FullName, "mnist", "part-0.csv"), Enumerable.Range(0, 600).Select(n => $"{n},{n % 10}"));
        var settings = new Dictionary<string, string>
        {
            ["Runtime"] = "docker",
            ["DockerEndpoint"] = engine,
            ["DataDir"] = data.FullName,
            ["AddOns:0"] = NodeAddOns.FlopsLearner,
            ["StopGracePeriod"] = "00:00:02",
        };
        var (idle, busy, registered) = (new List<double>(), new List<double>(), new List<double>());
        var port = 31000 + Random.Shared.Next(0, 50) * 30;
        Console.WriteLine($"{"round",5}  {"registered ms",13}  {"idle MB",7}  {"2 actors MB",11}");
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                await BenchEngines.Evict(engine, TestEnvironment.AggregatorImage, TestEnvironment.LearnerImage);
                await using var side = await AgentSide.Start(s => [(s.NodeName("footprint"), settings)]);
                var agent = side.Agents[0];
                try
                {
                    registered.Add(agent.FirstPrinted($"Node {agent.NodeId} registered")!.Value.TotalMilliseconds);
                    await Task.Delay(Idle);
                    idle.Add(agent.ResidentBytes / 1e6);
                    await side.Deploy(AgentSide.Project(agent.NodeId, [agent.NodeId], TestEnvironment.AggregatorImage, TestEnvironment.LearnerImage, port++),
                        TimeSpan.FromMinutes(2));
                    busy.Add(agent.ResidentBytes / 1e6);
                    await side.Remove();
                }
                finally
                {
                    await BenchEngines.RemoveContainers(engine, $"{Labels.Node}={agent.NodeId}");
                }
                Console.WriteLine($"{round,5}  {registered[^1],13:0}  {idle[^1],7:0}  {busy[^1],11:0}");
            }
            Console.WriteLine($"agent footprint: {Medians.Of(idle):0} MB RSS idle, {Medians.Of(busy):0} MB with 2 actors, " +
                              $"{Medians.Of(registered):0} ms to registered ({program})");
            return 0;
        }
        finally
        {
            await BenchEngines.Evict(engine, TestEnvironment.AggregatorImage, TestEnvironment.LearnerImage);
            data.Delete(recursive: true);
        }
    }
}

using System.Runtime;
using MassTransit;
using Npgsql;

namespace FlopsBus.Benchmarks;

/// <summary>One round: the same events through the saga, then through the transport alone, with the CPU each spent.</summary>
public sealed record SagaAgainstCeilingRound(double SagaEventsPerSecond, List<double> ToReady, double CeilingEventsPerSecond,
    Dictionary<string, double> SagaCpu, Dictionary<string, double> CeilingCpu)
{
    public double Ratio => SagaEventsPerSecond / CeilingEventsPerSecond;
    public double P99ToReady => Percentiles.Of(ToReady, 0.99);
}

/// <summary>
/// The saga against the transport's ceiling (<see cref="TransportCeiling"/>), as bench-saga and bench-system measure it:
/// a warm-up of each, then rounds of the same number of projects' events through the saga and right after through the
/// transport alone, each round shown. On these shared machines one round of each is a coin toss (a single one ranged
/// 0.48-0.60 over a few bench-system runs), so the figure is the median round by ratio.
/// </summary>
public static class SagaAgainstCeiling
{
    /// <summary>
    /// The warm-up matters as much for the publishers as for the consumers: the JIT takes a thousand projects to reach its
    /// last tier on every hot path. In bench-system this process had not published these events before; measured cold, over a
    /// quarter of its CPU in the saga's part went to recompiling its publishing path, and none in the ceiling's, after it.
    /// The saga's database is then analyzed, as autovacuum does within a minute of the first writes on any running system:
    /// a database created for the run has no statistics, and until it has some, the saga's writes (one prepared generic
    /// plan per connection) hash-join a sequential scan of the whole table. Whether autovacuum had come by before the
    /// measured rounds decided them: PostgreSQL spent 0.04 or 0.10 ms per event, the saga reached 0.69 or 0.58.
    /// </summary>
    public static async Task<SagaAgainstCeilingRound> Median(IBus sagaBus, string sagaDatabase, TransportCeiling ceiling, CpuUse cpu, int projects,
        int warmUpProjects, int rounds)
    {
        await SagaBenchmark.Measure(sagaBus, SagaEvents.Plan(warmUpProjects), report: false);
        await ceiling.Measure(SagaEvents.Plan(warmUpProjects));
        await using (var dataSource = NpgsqlDataSource.Create(sagaDatabase))
        await using (var analyze = dataSource.CreateCommand("ANALYZE"))
            await analyze.ExecuteNonQueryAsync();
        var measured = new List<SagaAgainstCeilingRound>();
        for (var round = 1; round <= rounds; round++)
        {
            var (jitMethods, jitTime) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
            var before = cpu.Snapshot();
            var (events, elapsed, toReady) = await SagaBenchmark.Measure(sagaBus, SagaEvents.Plan(projects), report: true);
            var sagaCpu = CpuUse.PerEvent(before, cpu.Snapshot(), events);
            var jit = $"JIT meanwhile: {JitInfo.GetCompiledMethodCount() - jitMethods} methods, {(JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds:F0} ms";
            before = cpu.Snapshot();
            var transport = await ceiling.Measure(SagaEvents.Plan(projects));
            var ceilingCpu = CpuUse.PerEvent(before, cpu.Snapshot(), events);
            var result = new SagaAgainstCeilingRound(events / elapsed.TotalSeconds, toReady, transport, sagaCpu, ceilingCpu);
            measured.Add(result);
            Console.WriteLine($"round {round}: {projects} projects, {events} events in {elapsed.TotalSeconds:F1} s = {result.SagaEventsPerSecond:F0} events/s, " +
                              $"median {Percentiles.Of(toReady, 0.5):F0} ms and p99 {result.P99ToReady:F0} ms to READY ({jit}); " +
                              $"transport alone {transport:F0} events/s: {result.Ratio:F2}");
        }
        return measured.OrderBy(r => r.Ratio).ElementAt(rounds / 2);
    }

    /// <summary>The CPU per event of the median round, saga beside ceiling.</summary>
    public static void PrintCpu(SagaAgainstCeilingRound round) => CpuUse.Print([("saga", round.SagaCpu), ("ceiling", round.CeilingCpu)]);
}

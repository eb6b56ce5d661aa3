using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using FlopsBus.HollowNodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// FlopsBus.HollowNodes <nodes.json>: runs every node the file lists (HollowNodeAccount, camelCase) until SIGTERM or
// SIGINT. The rest of the configuration comes as for any FlopsBus service: FLOPS_Bus__Host, FLOPS_Agent__CpuMillis,
// FLOPS_Agent__Simulated__StartTime and so on. It prints "hollow nodes: <n> up" once every node's bus runs.
if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: FlopsBus.HollowNodes <nodes.json>  (a JSON array of {nodeId, username, password, cluster, addOns})");
    return 2;
}
var nodes = JsonSerializer.Deserialize<List<HollowNodeAccount>>(File.ReadAllText(args[0]), JsonSerializerOptions.Web)
    ?? throw new InvalidDataException($"{args[0]} holds no node list.");
var shared = new ConfigurationBuilder().AddEnvironmentVariables("FLOPS_").Build();
using var loggers = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.TrySetResult(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.TrySetResult(); });

var hosts = nodes.Select(n => HollowNode.Build(n, shared, loggers)).ToList();
var clock = Stopwatch.StartNew();
var up = 0;
// A few at once: each start declares its node's queue and exchanges; hundreds at once only queue up at the broker.
await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (host, ct) =>
{
    await host.StartAsync(ct);
    if (Interlocked.Increment(ref up) % 50 == 0) Console.WriteLine($"hollow nodes: {up}/{hosts.Count} starting ({clock.Elapsed.TotalSeconds:F0} s)");
});
Console.WriteLine($"hollow nodes: {hosts.Count} up in {clock.Elapsed.TotalSeconds:F1} s");

await stopping.Task;
await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (host, _) =>
{
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
    await host.StopAsync(timeout.Token);
    host.Dispose();
});
return 0;

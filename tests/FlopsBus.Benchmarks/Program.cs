using FlopsBus.Benchmarks;
using FlopsBus.Testing;

return args.FirstOrDefault() switch
{
    // planner [nodes]...
    "planner" => PlannerBenchmark.Run(args.Length > 1 ? args[1..].Select(int.Parse).ToList() : [5000, 50_000]),
    "saga" => await SagaBenchmark.Run(),
    // system [nodes] [projects] [projects/s] [kill-planner]
    "system" => await SystemBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 1000, args.Length > 2 ? int.Parse(args[2]) : 1000,
        args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 20, args.Length > 4 && args[4] == "1",
        args.Length > 5 ? int.Parse(args[5]) : 2),
    "agent" => await AgentBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 11),
    // pull [rounds] [nodes] [uplink Mbit/s]
    "pull" => await PullBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 3, args.Length > 2 ? int.Parse(args[2]) : 10,
        (args.Length > 3 ? long.Parse(args[3]) : 200) * 1_000_000),
    // footprint [rounds] [engine number]
    "footprint" => await FootprintBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 3,
        TestEnvironment.NodeEngine(args.Length > 2 ? int.Parse(args[2]) : 1)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FlopsBus.Benchmarks planner [nodes]... | saga | system [nodes] [projects] [projects/s] [kill-planner 0|1] [saga hosts] | agent [rounds] | pull [rounds] [nodes] [uplink Mbit/s] | footprint [rounds] [engine]");
    return 2;
}

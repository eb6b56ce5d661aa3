using FlopsBus.Benchmarks;

return args.FirstOrDefault() switch
{
    "planner" => PlannerBenchmark.Run(),
    "saga" => await SagaBenchmark.Run(),
    "agent" => await AgentBenchmark.Run(args.Length > 1 ? int.Parse(args[1]) : 11),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FlopsBus.Benchmarks planner|saga|agent [rounds]");
    return 2;
}

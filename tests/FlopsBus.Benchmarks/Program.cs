using FlopsBus.Benchmarks;

return args.FirstOrDefault() switch
{
    "planner" => PlannerBenchmark.Run(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FlopsBus.Benchmarks planner");
    return 2;
}

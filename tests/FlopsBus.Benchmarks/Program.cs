using FlopsBus.Benchmarks;

return args.FirstOrDefault() switch
{
    "planner" => PlannerBenchmark.Run(),
    "saga" => await SagaBenchmark.Run(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FlopsBus.Benchmarks planner|saga");
    return 2;
}

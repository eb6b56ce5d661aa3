namespace FlopsBus.Benchmarks;

public static class Medians
{
    /// <summary>The middle value (the mean of the two middle ones for an even count): rounds on a noisy machine.</summary>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

public static class Percentiles
{
    /// <summary>The <paramref name="share"/> percentile of <paramref name="values"/> (nearest rank), e.g. 0.99 for the p99.</summary>
    public static double Of(IEnumerable<double> values, double share)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(sorted.Count * share) - 1)];
    }
}

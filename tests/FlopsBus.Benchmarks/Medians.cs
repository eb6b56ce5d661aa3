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

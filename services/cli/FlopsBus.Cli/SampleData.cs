namespace FlopsBus.Cli;

/// <summary>A node's local training data for the demo: one folder per data tag, one sample per line.</summary>
public static class SampleData
{
    public static string Write(string nodeDataDir, string tag, int samples)
    {
        var folder = Directory.CreateDirectory(Path.Combine(nodeDataDir, tag));
        var random = new Random(samples);
        File.WriteAllLines(Path.Combine(folder.FullName, "part-0.csv"),
            Enumerable.Range(0, samples).Select(i => $"{i},{random.Next(10)},{random.NextDouble():F4}"));
        return nodeDataDir;
    }
}

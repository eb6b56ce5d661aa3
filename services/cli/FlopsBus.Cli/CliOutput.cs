using System.Text.Json;

namespace FlopsBus.Cli;

/// <summary>Output for scripts: camelCase JSON on standard output, one document per command.</summary>
public static class CliOutput
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Json<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Options));
}

using System.Net.Http.Json;
using System.Text.Json.Serialization;
using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>What the benchmarks do to node engines and the registry around a measured round.</summary>
public static class BenchEngines
{
    /// <summary>Removes the containers labelled <paramref name="label"/> (key=value) from the engine.</summary>
    public static async Task RemoveContainers(string engine, string label)
    {
        var left = (await DockerCli.Run(["-H", engine, "ps", "-aq", "--filter", $"label={label}"])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (left.Length > 0) await DockerCli.Run(["-H", engine, "rm", "-f", .. left]);
    }

    /// <summary>Drops the images, and the layers only they use, from the engine: the next deployment pulls them.</summary>
    public static async Task Evict(string engine, params string[] images)
    {
        foreach (var image in images)
            if ((await DockerCli.Run(["-H", engine, "images", "-q", image])).Trim().Length > 0)
                await DockerCli.Run(["-H", engine, "rmi", image]);
    }

    /// <summary>The compressed bytes of the image's layers and config, as the registry's manifest gives them.</summary>
    public static async Task<long> CompressedBytes(string repository, string tag)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{TestEnvironment.Registry}/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var manifest = await response.Content.ReadFromJsonAsync<Manifest>() ?? throw new InvalidOperationException($"{repository}:{tag} has no manifest");
        return manifest.Config.Size + manifest.Layers.Sum(l => l.Size);
    }

    private sealed record Manifest([property: JsonPropertyName("config")] Blob Config, [property: JsonPropertyName("layers")] List<Blob> Layers);
    private sealed record Blob([property: JsonPropertyName("size")] long Size);
}

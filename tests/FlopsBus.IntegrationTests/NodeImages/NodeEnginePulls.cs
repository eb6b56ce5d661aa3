using Docker.DotNet;
using FlopsBus.Agent;
using FlopsBus.Hosting;
using FlopsBus.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlopsBus.IntegrationTests.NodeImages;

/// <summary>Simulated nodes' engines and the agent's puller on each, for tests of what crosses which link.</summary>
internal static class NodeEnginePulls
{
    public static DockerClient Engine(int node) => new DockerClientConfiguration(new Uri(TestEnvironment.NodeEngine(node))).CreateClient();

    /// <summary>The agent's puller on the engine: one attempt, and a stall is <paramref name="stallTimeout"/> without a word (30 s unless told).</summary>
    public static DockerImagePuller Puller(DockerClient engine, RegistryMirror[]? mirrors = null, TimeSpan? stallTimeout = null) => new(
        engine, new PullScheduler(new PullPolicy(1, TimeSpan.FromMinutes(2), 1, TimeSpan.FromSeconds(1))),
        new Dictionary<string, RegistryCredential>(), mirrors ?? [], stallTimeout ?? TimeSpan.FromSeconds(30), TimeProvider.System, NullLogger.Instance);

    public static ImageReference Reference(string image) =>
        ImageReference.TryParse(image, out var reference) ? reference : throw new ArgumentException($"not an image reference: {image}");

    /// <summary>Whether the engine holds the image under that name.</summary>
    public static async Task<bool> Holds(this DockerClient engine, string image)
    {
        try { await engine.Images.InspectImageAsync(image); return true; }
        catch (DockerImageNotFoundException) { return false; }
    }

    /// <summary>Drops the name from the engine, and the image's layers with it when nothing else uses them.</summary>
    public static async Task Forget(this DockerClient engine, string image)
    {
        try { await engine.Images.DeleteImageAsync(image, new Docker.DotNet.Models.ImageDeleteParameters { Force = true }); }
        catch (DockerImageNotFoundException) { }
    }
}

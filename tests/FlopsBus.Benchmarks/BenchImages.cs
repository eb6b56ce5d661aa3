using FlopsBus.Testing;

namespace FlopsBus.Benchmarks;

/// <summary>
/// The bench's own copies of the sample images: the same actor programs, built as build.sh builds them, on a base
/// of their own (the sample base's files imported again, so every layer is new). Evicting them from the engine
/// before each deployment makes both sides pull from the registry, and touches no image anyone else runs.
/// </summary>
public sealed class BenchImages
{
    private static readonly string Prefix = $"{TestEnvironment.Registry}/flops-bench";
    private static readonly Dictionary<string, string> ClassicBuilder = new() { ["DOCKER_BUILDKIT"] = "0" };

    public string Base { get; } = $"{Prefix}/busybox-base:1";
    public string Learner { get; } = $"{Prefix}/sample-learner:1";
    public string Aggregator { get; } = $"{Prefix}/sample-aggregator:1";

    public static async Task<BenchImages> Push(string repositoryRoot)
    {
        var images = new BenchImages();
        // What a run that was cut short left behind would otherwise stay on the engine, untagged by this build.
        await images.Evict();
        var sources = Path.Combine(repositoryRoot, "services", "sample-actors", "images");
        var rootfs = Path.Combine(Path.GetTempPath(), $"flops-bench-base-{Guid.NewGuid():N}.tar");
        var container = (await DockerCli.Run(["create", $"{TestEnvironment.Registry}/flops/busybox-base:1", "sh"])).Trim();
        try
        {
            await DockerCli.Run(["export", "-o", rootfs, container]);
            await DockerCli.Run(["import", "--change", "ENV PATH=/bin", rootfs, images.Base]);
        }
        finally
        {
            await DockerCli.Run(["rm", container]);
            File.Delete(rootfs);
        }
        await DockerCli.Run(["build", "-q", "--build-arg", $"BASE={images.Base}", "-t", images.Learner, Path.Combine(sources, "learner")], environment: ClassicBuilder);
        await DockerCli.Run(["build", "-q", "--build-arg", $"LEARNER={images.Learner}", "-t", images.Aggregator, Path.Combine(sources, "aggregator")], environment: ClassicBuilder);
        foreach (var image in new[] { images.Base, images.Learner, images.Aggregator })
            await DockerCli.Run(["push", "-q", image]);
        await images.Evict();
        return images;
    }

    /// <summary>Drops the images and their layers from the engine: the next deployment pulls them all.</summary>
    public async Task Evict()
    {
        // Children before their parents: the engine refuses to delete an image another one is built on.
        foreach (var image in new[] { Aggregator, Learner, Base })
            if ((await DockerCli.Run(["images", "-q", image])).Trim().Length > 0)
                await DockerCli.Run(["rmi", image]);
    }
}

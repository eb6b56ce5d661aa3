using System.Formats.Tar;
using System.Security.Cryptography;

namespace FlopsBus.Testing;

/// <summary>
/// Images of a test's own in the registry, so that no node's cache holds them yet (node engines keep their caches
/// from one run to the next): made on the main engine, pushed, and dropped from it again.
/// </summary>
public static class TestImages
{
    /// <summary><paramref name="image"/> under a tag of its own: the same layers, a name no node has pulled.</summary>
    public static async Task<string> NewTag(string image)
    {
        var renamed = $"{image[..image.LastIndexOf(':')]}:it-{Guid.NewGuid():N}";
        await DockerCli.Run(["pull", "-q", image]);
        await DockerCli.Run(["tag", image, renamed]);
        await Push(renamed);
        return renamed;
    }

    /// <summary>An image of one layer of <paramref name="bytes"/> random (incompressible) bytes that no image has.</summary>
    public static async Task<string> WithFreshLayer(string repository, int bytes)
    {
        var image = $"{TestEnvironment.Registry}/{repository}:it-{Guid.NewGuid():N}";
        using var rootfs = new MemoryStream();
        await using (var tar = new TarWriter(rootfs, leaveOpen: true))
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "fresh.bin") { DataStream = new MemoryStream(RandomNumberGenerator.GetBytes(bytes)) });
        rootfs.Position = 0;
        await DockerCli.Run(["import", "-", image], rootfs);
        await Push(image);
        return image;
    }

    private static async Task Push(string image)
    {
        await DockerCli.Run(["push", "-q", image]);
        await DockerCli.Run(["rmi", image]);
    }
}

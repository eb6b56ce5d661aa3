using FlopsBus.Agent;
using FlopsBus.Testing;
using static FlopsBus.IntegrationTests.NodeImages.NodeEnginePulls;

namespace FlopsBus.IntegrationTests.NodeImages;

/// <summary>
/// Two nodes of one cluster, each with its own engine, behind one uplink to the registry (a relay that counts what
/// crosses it), with the cluster's pull-through cache between them and the uplink.
/// </summary>
public sealed class When_nodes_pull_through_their_cluster_cache : IAsyncLifetime
{
    private const int LayerBytes = 2 * 1024 * 1024;
    private readonly TcpRelay _uplink = new("127.0.0.1", int.Parse(TestEnvironment.Registry.Split(':')[1]));
    private ClusterImageCache _cache = null!;
    private string _image = null!;

    public async Task InitializeAsync()
    {
        _cache = await ClusterImageCache.Start($"127.0.0.1:{_uplink.Port}");
        _image = await TestImages.WithFreshLayer("flops/it-cache", LayerBytes);
    }

    [Fact]
    public async Task An_image_pulled_on_one_node_is_not_in_the_cache_of_another()
    {
        using var node1 = Engine(1);
        using var node2 = Engine(2);
        using var puller = Puller(node1);

        var pulled = await puller.PullAsync(Reference(_image), CancellationToken.None);

        Assert.False(pulled.AlreadyCached);
        Assert.True(await node1.Holds(_image));
        Assert.False(await node2.Holds(_image), $"node 2's engine holds {_image}, pulled on node 1 only");
    }

    [Fact]
    public async Task The_second_nodes_pull_does_not_cross_the_uplink_and_both_keep_the_registrys_name()
    {
        var mirror = new RegistryMirror { Registry = TestEnvironment.Registry, Mirror = _cache.Address };
        using var node1 = Engine(1);
        using var node2 = Engine(2);
        using var first = Puller(node1, [mirror]);
        using var second = Puller(node2, [mirror]);

        var firstPull = await first.PullAsync(Reference(_image), CancellationToken.None);
        var crossedForTheFirst = _uplink.BytesCarried;
        var secondPull = await second.PullAsync(Reference(_image), CancellationToken.None);
        var crossedForTheSecond = _uplink.BytesCarried - crossedForTheFirst;

        Assert.True(crossedForTheFirst >= LayerBytes, $"the first pull carried {crossedForTheFirst} bytes over the uplink, less than its layer");
        // What is left is the tag's manifest, asked of the registry each time (a tag may move); every blob came from the cache.
        Assert.True(crossedForTheSecond < 64 * 1024, $"the second node's pull carried {crossedForTheSecond} bytes over the uplink");
        Assert.True(secondPull.BytesPulled >= LayerBytes, $"the second node reports {secondPull.BytesPulled} bytes pulled");
        Assert.Equal(firstPull.Digest, secondPull.Digest);
        foreach (var node in new[] { node1, node2 })
        {
            Assert.True(await node.Holds(_image), $"{_image} is not on the node under the registry's name");
            Assert.False(await node.Holds(_image.Replace(TestEnvironment.Registry, _cache.Address)), "the cache's name for the image stayed on the node");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in new[] { 1, 2 })
        {
            using var engine = Engine(node);
            await engine.Forget(_image);
        }
        await _cache.DisposeAsync();
        await _uplink.DisposeAsync();
    }
}

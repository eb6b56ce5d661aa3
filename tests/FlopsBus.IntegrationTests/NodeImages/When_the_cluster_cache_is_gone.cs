using FlopsBus.Testing;
using static FlopsBus.IntegrationTests.NodeImages.NodeEnginePulls;

namespace FlopsBus.IntegrationTests.NodeImages;

/// <summary>Every node is told to pull through its cluster's cache, which is not there: nothing listens at its address.</summary>
public sealed class When_the_cluster_cache_is_gone : IAsyncLifetime
{
    private readonly ThreeNodeCluster _cluster = new(agentSettings: new Dictionary<string, string>
    {
        ["RegistryMirrors:0:Registry"] = TestEnvironment.Registry,
        ["RegistryMirrors:0:Mirror"] = $"127.0.0.1:{LoopbackPorts.Free()}",
    });
    private string _aggregatorImage = null!;
    private string _learnerImage = null!;

    public async Task InitializeAsync()
    {
        // Tags of their own: no node holds them, so every node pulls.
        _aggregatorImage = await TestImages.NewTag(TestEnvironment.AggregatorImage);
        _learnerImage = await TestImages.NewTag(TestEnvironment.LearnerImage);
        await _cluster.InitializeAsync();
    }

    [Fact]
    public async Task The_nodes_pull_from_the_registry_and_the_project_becomes_ready()
    {
        var project = _cluster.SampleProject(learners: 2) with { AggregatorImage = _aggregatorImage, LearnerImage = _learnerImage };

        await _cluster.System.Bus.Publish(project);

        await _cluster.WaitForReady(project.ProjectId);
        var running = await _cluster.Containers(project.ProjectId);
        Assert.Equal([_aggregatorImage, _learnerImage, _learnerImage], running.Select(c => c.Image).Order());
        // Every node went to its cache first, found none, and said so.
        Assert.All(_cluster.Agents, agent => Assert.Contains(agent.Lines, line => line.Contains("did not give")));
    }

    public async Task DisposeAsync()
    {
        foreach (var engine in _cluster.Engines)
            foreach (var image in new[] { _aggregatorImage, _learnerImage })
                await engine.Forget(image);
        await _cluster.DisposeAsync();
    }
}

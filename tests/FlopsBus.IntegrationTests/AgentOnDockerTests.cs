using System.Diagnostics;
using System.Formats.Tar;
using System.Net;
using Docker.DotNet.Models;
using FlopsBus.Agent;
using FlopsBus.Contracts;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>
/// DeployActor and RemoveActor sent to one agent process on the real engine, the registry on 127.0.0.1:5000 and
/// registries that fail in the ways a real one does.
/// </summary>
public sealed class AgentOnDockerTests(AgentOnDockerFixture node) : IClassFixture<AgentOnDockerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private RecordedEvents Events => node.System.Events;

    private DeployActor Learner(string? image = null, string[]? dataTags = null) => new()
    {
        NodeId = node.NodeId,
        Actor = new ActorSpec
        {
            ProjectId = Guid.NewGuid(), ActorId = Guid.NewGuid(), Role = ActorRoles.Learner, Instance = 0,
            Image = image ?? TestEnvironment.LearnerImage, DataTags = dataTags ?? ["mnist"],
            // Nobody listens there: these learners fetch their data and then keep trying, which is all these tests need.
            AggregatorEndpoint = $"127.0.0.1:{node.AggregatorPort + 9}",
            Resources = new ActorResources { CpuMillis = 500, MemoryMb = 256 },
        },
    };

    private async Task Send(object command)
    {
        var agent = await node.System.Bus.GetSendEndpoint(EndpointNames.AgentAddress(node.NodeId));
        await agent.Send(command);
    }

    private async Task<ActorFailed> Failure(Guid actorId, string stage)
    {
        try
        {
            return (await Events.WaitFor<ActorFailed>(f => f.ActorId == actorId && f.Stage == stage, Patience))[0];
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + node.Agent.Output, e);
        }
    }

    private async Task Remove(DeployActor actor)
    {
        var removedBefore = Events.All<ActorRemoved>().Count(r => r.ActorId == actor.Actor.ActorId);
        await Send(new RemoveActor { ProjectId = actor.Actor.ProjectId, ActorId = actor.Actor.ActorId, NodeId = node.NodeId, Reason = "test over" });
        await Events.WaitFor<ActorRemoved>(r => r.ActorId == actor.Actor.ActorId, Patience, count: removedBefore + 1);
    }

    [Fact]
    public async Task A_tag_the_registry_does_not_have_fails_at_pull_saying_it_was_not_found()
    {
        var actor = Learner(image: $"{TestEnvironment.Registry}/flops/sample-learner:no-such-tag");
        await Send(actor);

        var failed = await Failure(actor.Actor.ActorId, FailureStages.Pull);
        Assert.Equal($"image {TestEnvironment.Registry}/flops/sample-learner:no-such-tag not found in registry {TestEnvironment.Registry} (manifest unknown)",
            failed.Reason);
        Assert.Empty(await node.Containers(Labels.Actor, actor.Actor.ActorId.ToString()));
    }

    [Fact]
    public async Task A_registry_that_is_down_fails_at_pull_after_the_retries_saying_it_is_unreachable()
    {
        var actor = Learner(image: $"127.0.0.1:{node.DownRegistryPort}/flops/sample-learner:1");
        await Send(actor);

        var failed = await Failure(actor.Actor.ActorId, FailureStages.Pull);
        Assert.Equal($"registry 127.0.0.1:{node.DownRegistryPort} unreachable after 3 attempts: connection refused", failed.Reason);
    }

    [Fact]
    public async Task A_registry_that_never_answers_fails_at_pull_when_the_pull_times_out()
    {
        var registry = $"127.0.0.1:{((IPEndPoint)node.SilentRegistry.LocalEndpoint).Port}";
        var actor = Learner(image: $"{registry}/flops/sample-learner:1");
        var sent = Stopwatch.StartNew();
        await Send(actor);

        var failed = await Failure(actor.Actor.ActorId, FailureStages.Pull);
        Assert.StartsWith($"pulling {registry}/flops/sample-learner:1 timed out after {AgentOnDockerFixture.PullTimeout.TotalSeconds:0} s", failed.Reason);
        Assert.True(sent.Elapsed >= AgentOnDockerFixture.PullTimeout, $"failed after {sent.Elapsed}, before the timeout");
    }

    [Fact]
    public async Task An_image_from_a_registry_not_allowed_is_refused_at_pull_without_contacting_it()
    {
        var registry = $"127.0.0.1:{((IPEndPoint)node.ForbiddenRegistry.LocalEndpoint).Port}";
        var actor = Learner(image: $"{registry}/flops/sample-learner:1");
        await Send(actor);

        var failed = await Failure(actor.Actor.ActorId, FailureStages.Pull);
        Assert.Contains($"registry '{registry}', which this node does not allow", failed.Reason);
        Assert.False(node.ForbiddenRegistry.Pending(), "something connected to the registry that is not allowed");
    }

    [Fact]
    public async Task The_registry_gets_the_login_configured_for_it_and_the_log_never_shows_the_password()
    {
        var actor = Learner(image: $"{node.LoginRegistry.Address}/flops/sample-learner:1");
        await Send(actor);

        var failed = await Failure(actor.Actor.ActorId, FailureStages.Pull);
        Assert.Equal($"image {node.LoginRegistry.Address}/flops/sample-learner:1 not found in registry {node.LoginRegistry.Address} (manifest unknown)",
            failed.Reason);
        Assert.Contains($"{AgentOnDockerFixture.RegistryUser}:{node.RegistryPassword}", node.LoginRegistry.Logins);
        Assert.False(node.Agent.Printed(node.RegistryPassword), "the agent printed the registry password");
    }

    [Fact]
    public async Task A_command_addressed_to_another_node_is_refused()
    {
        var actor = Learner() with { NodeId = "some-other-node" };
        await Send(actor);

        var failed = await Failure(actor.Actor.ActorId, FailureStages.Create);
        Assert.Contains("refused", failed.Reason);
        Assert.Empty(await node.Containers(Labels.Actor, actor.Actor.ActorId.ToString()));
    }

    [Fact]
    public async Task A_repeated_DeployActor_finds_the_container_of_the_first_instead_of_making_a_second()
    {
        var actor = Learner();
        await Task.WhenAll(Send(actor), Send(actor));

        await Events.WaitFor<ActorStarted>(s => s.ActorId == actor.Actor.ActorId, Patience);
        await node.Agent.WaitForOutput($"Actor {actor.Actor.ActorId} already runs", Patience);
        await Send(actor);
        await node.Agent.WaitForOutput($"Actor {actor.Actor.ActorId} already runs", Patience, count: 2);

        var containers = await node.Containers(Labels.Actor, actor.Actor.ActorId.ToString());
        Assert.Equal(ActorProtocol.ContainerName(actor.Actor.ActorId), Assert.Single(containers).Names.Single().TrimStart('/'));
        await Remove(actor);
    }

    [Fact]
    public async Task An_actor_that_crashes_is_reported_with_its_exit_code_and_its_last_lines()
    {
        var actor = Learner(dataTags: ["no-such-tag"]);
        await Send(actor);

        var exited = await Failure(actor.Actor.ActorId, FailureStages.Exited);
        Assert.Equal(2, exited.ExitCode);
        Assert.Contains("exited on its own with code 2", exited.Reason);
        Assert.Contains("no data for tag no-such-tag", exited.Reason);
        var data = await Failure(actor.Actor.ActorId, FailureStages.Data);
        Assert.Contains("no data for tag no-such-tag", data.Reason);
        await Remove(actor);
    }

    [Fact]
    public async Task A_learner_runs_with_the_command_s_limits_its_labels_the_data_folder_read_only_and_confined()
    {
        var actor = Learner();
        await Send(actor);
        var started = (await Events.WaitFor<ActorStarted>(s => s.ActorId == actor.Actor.ActorId, Patience))[0];
        var fetched = (await Events.WaitFor<DataFetched>(d => d.ActorId == actor.Actor.ActorId, Patience))[0];
        Assert.Equal(600, fetched.Samples);

        var inspected = await node.Docker.Containers.InspectContainerAsync(started.ContainerId);
        var host = inspected.HostConfig;
        Assert.Equal(500_000_000L, host.NanoCPUs);
        Assert.Equal(256L * 1024 * 1024, host.Memory);
        Assert.False(host.Privileged);
        Assert.Contains("no-new-privileges", host.SecurityOpt);
        Assert.Equal(["ALL"], host.CapDrop);
        Assert.True(host.CapAdd is null or { Count: 0 });
        Assert.Equal("host", host.NetworkMode);
        Assert.Equal(256L, host.PidsLimit);
        Assert.True(host.ReadonlyRootfs);
        Assert.StartsWith("rw,nosuid,nodev,size=64m", host.Tmpfs["/tmp"]);
        Assert.Equal("65534:65534", inspected.Config.User);
        var mount = Assert.Single(inspected.Mounts);
        Assert.Equal((node.DataDir, DockerActorRuntime.DataMountPath, false), (mount.Source, mount.Destination, mount.RW));
        Assert.Equal(actor.Actor.ProjectId.ToString(), inspected.Config.Labels[Labels.Project]);
        Assert.Equal(actor.Actor.ActorId.ToString(), inspected.Config.Labels[Labels.Actor]);
        Assert.Equal(ActorRoles.Learner, inspected.Config.Labels[Labels.Role]);
        Assert.Equal(node.NodeId, inspected.Config.Labels[Labels.Node]);
        Assert.Contains($"{ActorProtocol.Aggregator}={actor.Actor.AggregatorEndpoint}", inspected.Config.Env);
        Assert.Contains($"{ActorProtocol.DataDir}={DockerActorRuntime.DataMountPath}", inspected.Config.Env);
        Assert.Contains($"{ActorProtocol.NodeId}={node.NodeId}", inspected.Config.Env);

        await Remove(actor);
        Assert.Empty(await node.Containers(Labels.Actor, actor.Actor.ActorId.ToString()));
        // Removing what is already gone is not an error: it is reported removed again.
        await Remove(actor);
    }

    [Fact]
    public async Task A_pull_reports_the_registry_s_digest_and_whether_the_layers_had_to_come_over_the_wire()
    {
        var (image, digest) = await PushImageOfOneFreshLayer();

        var fresh = Learner(image: image);
        await Send(fresh);
        var pulled = (await Events.WaitFor<ImagePulled>(p => p.ActorId == fresh.Actor.ActorId, Patience))[0];
        Assert.False(pulled.AlreadyCached);
        Assert.Equal(digest, pulled.Digest);
        Assert.True(pulled.Duration > TimeSpan.Zero);

        var again = Learner(image: image);
        await Send(again);
        var cached = (await Events.WaitFor<ImagePulled>(p => p.ActorId == again.Actor.ActorId, Patience))[0];
        Assert.True(cached.AlreadyCached);
        Assert.Equal(digest, cached.Digest);

        foreach (var actor in new[] { fresh, again }) await Remove(actor);
        await node.Docker.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });
        using var registry = new HttpClient();
        (await registry.DeleteAsync($"http://{TestEnvironment.Registry}/v2/flops-it/fresh-layer/manifests/{digest}")).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// An image of one layer no engine has seen (a file holding a new GUID), pushed and then dropped from the local
    /// engine: pulling it must download that layer. It has no command, so only its pull matters here.
    /// </summary>
    private static async Task<(string Image, string Digest)> PushImageOfOneFreshLayer()
    {
        var image = $"{TestEnvironment.Registry}/flops-it/fresh-layer:{Guid.NewGuid():N}";
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "fresh.txt") { DataStream = new MemoryStream(Guid.NewGuid().ToByteArray()) };
            await writer.WriteEntryAsync(entry);
        }
        tar.Position = 0;
        await DockerCli.Run(["import", "-", image], tar);
        await DockerCli.Run(["push", "-q", image]);
        var digest = (await DockerCli.Run(["inspect", "--format", "{{index .RepoDigests 0}}", image])).Trim().Split('@')[1];
        await DockerCli.Run(["rmi", image]);
        return (image, digest);
    }
}

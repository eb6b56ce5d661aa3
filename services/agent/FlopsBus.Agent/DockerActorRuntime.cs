using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>
/// Actors as containers on the node's Docker engine: host network (no bridges here, ports come from the
/// command), limits from the command, unprivileged, no new privileges, no capabilities, confined as configured for
/// the role (process limit, read-only root filesystem, not root: <see cref="ContainerConfinement"/>), and for
/// learners only the node's data folder, read-only. Containers carry their actor's labels, so the engine itself is
/// the record of what runs on the node. While the engine does not answer (stopped, restarting), every call waits for
/// it (<see cref="EngineOutages"/>) rather than fail: a DeployActor or RemoveActor pauses, and the output of a running
/// actor is followed again once the engine is back.
/// </summary>
public sealed class DockerActorRuntime(DockerClient docker, DockerImagePuller puller, TimeSpan stopGracePeriod,
    Func<string, ContainerConfinement> confinementFor, EngineOutages outages) : IActorRuntime, IDisposable
{
    public const string DataMountPath = "/data";

    public Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken) =>
        outages.WhenTheEngineAnswers(() => puller.PullAsync(image, cancellationToken), cancellationToken);

    public PullProgress? PullProgressOf(ImageReference image) => puller.ProgressOf(image);

    public Task<StartResult> StartAsync(ActorLaunch launch, CancellationToken cancellationToken) =>
        outages.WhenTheEngineAnswers(() => Start(launch, cancellationToken), cancellationToken);

    private async Task<StartResult> Start(ActorLaunch launch, CancellationToken cancellationToken)
    {
        string id;
        try
        {
            // The image's own USER decides whether the container may keep it or must run as the configured user.
            var imageUser = (await docker.Images.InspectImageAsync(launch.Image.ToString(), cancellationToken)).Config?.User;
            id = (await docker.Containers.CreateContainerAsync(ToCreateParameters(launch, confinementFor(launch.Actor.Role), imageUser), cancellationToken)).ID;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            // The name is taken: this actor's container, made for a repeated command or by an earlier agent.
            var existing = await docker.Containers.InspectContainerAsync(launch.Name, cancellationToken);
            if (existing.State.Running)
                return new StartResult(existing.ID, StartedAt(existing));
            id = existing.ID;
        }
        catch (DockerApiException e)
        {
            throw new ActorRuntimeException(FailureStages.Create, $"Creating {launch.Name} failed: {Explain(e.ResponseBody, e.StatusCode)}", e);
        }
        try
        {
            await docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
        }
        catch (DockerApiException e)
        {
            throw new ActorRuntimeException(FailureStages.Start, $"Starting {launch.Name} failed: {Explain(e.ResponseBody, e.StatusCode)}", e);
        }
        var started = await docker.Containers.InspectContainerAsync(id, cancellationToken);
        return new StartResult(id, StartedAt(started));
    }

    private static CreateContainerParameters ToCreateParameters(ActorLaunch launch, ContainerConfinement confinement, string? imageUser)
    {
        var resources = launch.Actor.Resources;
        var binds = new List<string>();
        if (launch.DataDir is not null)
            binds.Add($"{launch.DataDir}:{DataMountPath}:ro");
        var env = launch.Environment.ToDictionary();
        if (launch.DataDir is not null)
            env[ActorProtocol.DataDir] = DataMountPath;
        return new CreateContainerParameters
        {
            Name = launch.Name,
            Image = launch.Image.ToString(),
            Env = env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = launch.Labels.ToDictionary(),
            User = confinement.UserFor(imageUser),
            HostConfig = new HostConfig
            {
                PidsLimit = confinement.PidsLimit,
                ReadonlyRootfs = confinement.ReadOnlyRootFilesystem,
                Tmpfs = new Dictionary<string, string> { ["/tmp"] = $"rw,nosuid,nodev,size={confinement.TmpSize}" },
                NetworkMode = "host",
                Privileged = false,
                SecurityOpt = ["no-new-privileges"],
                CapDrop = ["ALL"],
                NanoCPUs = resources.CpuMillis * 1_000_000L,
                Memory = resources.MemoryMb * 1024L * 1024L,
                Binds = binds,
            },
        };
    }

    /// <summary>
    /// Follows the container's output until it exits. When the engine goes away meanwhile (an outage, or a restart with
    /// live-restore), waits for it and follows on from the last line read: the engine gives lines from that instant on,
    /// that line included, which is passed over, so each line is handed on once. A container that ended while the
    /// engine was away is reported with its exit code.
    /// </summary>
    public async Task<long> FollowAsync(string containerId, Func<ActorOutputLine, Task> onLine, CancellationToken cancellationToken)
    {
        ActorOutputLine? last = null;
        while (true)
        {
            try
            {
                var parameters = new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true, Timestamps = true };
                if (last is not null) parameters.Since = UnixTime(last.At);
                using (var stream = await docker.Containers.GetContainerLogsAsync(containerId, tty: false, parameters, cancellationToken))
                    await DockerLogLines.ReadAsync(stream, line =>
                    {
                        if (last is not null && (line.At < last.At || line == last)) return Task.CompletedTask;   // read before the engine went
                        last = line;
                        return onLine(line);
                    }, cancellationToken);
                var exit = await docker.Containers.WaitContainerAsync(containerId, cancellationToken);
                return exit.StatusCode;
            }
            catch (Exception e) when (EngineOutages.IsOutage(e) && !cancellationToken.IsCancellationRequested)
            {
                await outages.WaitForTheEngine(e, cancellationToken);
            }
        }
    }

    /// <summary>The engine's form of an instant, seconds and nanoseconds since the epoch ("since" is inclusive).</summary>
    private static string UnixTime(DateTimeOffset at)
    {
        var sinceEpoch = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{sinceEpoch / TimeSpan.TicksPerSecond}.{sinceEpoch % TimeSpan.TicksPerSecond * 100:D9}");
    }

    public Task RemoveAsync(string name, CancellationToken cancellationToken) =>
        outages.WhenTheEngineAnswers(async () =>
        {
            try
            {
                // SIGTERM first: an actor may have something to close (a learner its connection, an aggregator its round).
                await docker.Containers.StopContainerAsync(name,
                    new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(stopGracePeriod.TotalSeconds) }, cancellationToken);
                await docker.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true }, cancellationToken);
            }
            catch (DockerContainerNotFoundException)
            {
                // Already gone is what we wanted.
            }
            return true;
        }, cancellationToken);

    private IReadOnlyList<string> _lastCached = [];

    /// <summary>The images the engine holds; while it does not answer, the last list it gave, so the node's heartbeat goes on.</summary>
    public async Task<IReadOnlyList<string>> CachedImagesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var images = await docker.Images.ListImagesAsync(new ImagesListParameters(), cancellationToken);
            return _lastCached = images.SelectMany(i => (i.RepoTags ?? []).Concat(i.RepoDigests ?? []))
                .Where(t => !t.StartsWith("<none>", StringComparison.Ordinal)).Distinct().ToList();
        }
        catch (Exception e) when (EngineOutages.IsOutage(e) && !cancellationToken.IsCancellationRequested)
        {
            return _lastCached;
        }
    }

    public Task<IReadOnlyList<FoundActor>> FindActorsAsync(string nodeId, CancellationToken cancellationToken) =>
        outages.WhenTheEngineAnswers(() => FindActors(nodeId, cancellationToken), cancellationToken);

    private async Task<IReadOnlyList<FoundActor>> FindActors(string nodeId, CancellationToken cancellationToken)
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Labels.Node}={nodeId}"] = true } }
        }, cancellationToken);
        var found = new List<FoundActor>();
        foreach (var container in containers)
        {
            if (await TryInspectContainer(container.ID, cancellationToken) is not { } inspected) continue;
            var environment = (inspected.Config.Env ?? []).Select(e => e.Split('=', 2)).Where(kv => kv.Length == 2)
                .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
            var resources = new ActorResources
            {
                CpuMillis = (int)(inspected.HostConfig.NanoCPUs / 1_000_000L),
                MemoryMb = (int)(inspected.HostConfig.Memory / (1024L * 1024L)),
            };
            if (ActorProtocol.ReadBack(new Dictionary<string, string>(inspected.Config.Labels ?? new Dictionary<string, string>()), environment, inspected.Config.Image, resources) is not { } actor)
                continue;
            var state = inspected.State.Running ? FoundActorState.Running
                : inspected.State.Status == "created" ? FoundActorState.NeverStarted
                : FoundActorState.Exited;
            found.Add(new FoundActor(actor, inspected.ID, StartedAt(inspected), state));
        }
        return found;
    }

    private async Task<ContainerInspectResponse?> TryInspectContainer(string name, CancellationToken cancellationToken)
    {
        try { return await docker.Containers.InspectContainerAsync(name, cancellationToken); }
        catch (DockerContainerNotFoundException) { return null; }
    }

    private static DateTimeOffset StartedAt(ContainerInspectResponse container) =>
        DateTimeOffset.TryParse(container.State.StartedAt, out var at) && at.Year > 1 ? at : DateTimeOffset.UtcNow;

    private static string Explain(string? body, HttpStatusCode status) =>
        string.IsNullOrWhiteSpace(body) ? $"the engine answered {(int)status} {status}" : body.Trim();

    public void Dispose()
    {
        puller.Dispose();
        docker.Dispose();
    }
}

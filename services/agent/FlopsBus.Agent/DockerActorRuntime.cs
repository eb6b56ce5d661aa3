using System.Net;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using FlopsBus.Contracts;
using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>
/// Actors as containers on the node's Docker engine: host network (no bridges here, ports come from the
/// command), limits from the command, unprivileged, no new privileges, no capabilities, and for learners
/// only the node's data folder, read-only.
/// </summary>
public sealed class DockerActorRuntime(DockerClient docker) : IActorRuntime, IDisposable
{
    public const string DataMountPath = "/data";

    public async Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken)
    {
        var name = image.ToString();
        if (await TryInspectImage(name, cancellationToken) is { } cached)
            return new PullResult(Digest(cached), AlreadyCached: true);

        // The engine reports pull errors (unknown tag, unreachable registry) in the progress stream, not as a status code.
        string? error = null;
        var progress = new Progress<JSONMessage>(m =>
        {
            if (m.Error is not null || !string.IsNullOrEmpty(m.ErrorMessage))
                error = m.Error?.Message ?? m.ErrorMessage;
        });
        try
        {
            await docker.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = image.FromImage, Tag = image.Digest ?? image.Tag },
                new AuthConfig(), progress, cancellationToken);
        }
        catch (DockerApiException e)
        {
            throw new ActorRuntimeException(FailureStages.Pull, $"Pulling {name} failed: {Explain(e.ResponseBody, e.StatusCode)}", e);
        }
        var pulled = await TryInspectImage(name, cancellationToken);
        if (pulled is null)
            throw new ActorRuntimeException(FailureStages.Pull, $"Pulling {name} failed: {error ?? "the engine has no such image after the pull"}");
        return new PullResult(Digest(pulled), AlreadyCached: false);
    }

    public async Task<StartResult> StartAsync(ActorLaunch launch, CancellationToken cancellationToken)
    {
        var existing = await TryInspectContainer(launch.Name, cancellationToken);
        if (existing is null)
        {
            try
            {
                await docker.Containers.CreateContainerAsync(ToCreateParameters(launch), cancellationToken);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                // Created meanwhile by a repeated command: use that one.
            }
            catch (DockerApiException e)
            {
                throw new ActorRuntimeException(FailureStages.Create, $"Creating {launch.Name} failed: {Explain(e.ResponseBody, e.StatusCode)}", e);
            }
            existing = await TryInspectContainer(launch.Name, cancellationToken)
                       ?? throw new ActorRuntimeException(FailureStages.Create, $"Container {launch.Name} vanished right after it was created.");
        }
        var alreadyRunning = existing.State.Running;
        if (!alreadyRunning)
        {
            try
            {
                await docker.Containers.StartContainerAsync(existing.ID, new ContainerStartParameters(), cancellationToken);
            }
            catch (DockerApiException e)
            {
                throw new ActorRuntimeException(FailureStages.Start, $"Starting {launch.Name} failed: {Explain(e.ResponseBody, e.StatusCode)}", e);
            }
            existing = await docker.Containers.InspectContainerAsync(existing.ID, cancellationToken);
        }
        var startedAt = DateTimeOffset.TryParse(existing.State.StartedAt, out var at) ? at : DateTimeOffset.UtcNow;
        return new StartResult(existing.ID, startedAt, alreadyRunning);
    }

    private static CreateContainerParameters ToCreateParameters(ActorLaunch launch)
    {
        var resources = launch.Command.Resources;
        var binds = new List<string>();
        if (launch.DataDir is not null)
            binds.Add($"{launch.DataDir}:{DataMountPath}:ro");
        var env = launch.Environment.ToDictionary();
        if (launch.DataDir is not null)
            env["FLOPS_DATA_DIR"] = DataMountPath;
        return new CreateContainerParameters
        {
            Name = launch.Name,
            Image = launch.Image.ToString(),
            Env = env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = launch.Labels.ToDictionary(),
            HostConfig = new HostConfig
            {
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

    public async Task<long> FollowAsync(string containerId, Func<string, Task> onLine, CancellationToken cancellationToken)
    {
        using var stream = await docker.Containers.GetContainerLogsAsync(containerId, tty: false,
            new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, cancellationToken);
        var buffer = new byte[8192];
        var pending = new Dictionary<MultiplexedStream.TargetStream, StringBuilder>();
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF) break;
            if (!pending.TryGetValue(read.Target, out var text))
                pending[read.Target] = text = new StringBuilder();
            text.Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
            await EmitLines(text, onLine);
        }
        foreach (var rest in pending.Values.Where(t => t.Length > 0))
            await onLine(rest.ToString());
        var exit = await docker.Containers.WaitContainerAsync(containerId, cancellationToken);
        return exit.StatusCode;
    }

    private static async Task EmitLines(StringBuilder text, Func<string, Task> onLine)
    {
        int newline;
        while ((newline = IndexOf(text, '\n')) >= 0)
        {
            var line = text.ToString(0, newline).TrimEnd('\r');
            text.Remove(0, newline + 1);
            await onLine(line);
        }
    }

    private static int IndexOf(StringBuilder text, char c)
    {
        for (var i = 0; i < text.Length; i++)
            if (text[i] == c) return i;
        return -1;
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // Already gone is what we wanted.
        }
    }

    public async Task<IReadOnlyList<string>> CachedImagesAsync(CancellationToken cancellationToken)
    {
        var images = await docker.Images.ListImagesAsync(new ImagesListParameters(), cancellationToken);
        return images.SelectMany(i => i.RepoTags ?? []).Where(t => t != "<none>:<none>").Distinct().ToList();
    }

    private async Task<ImageInspectResponse?> TryInspectImage(string name, CancellationToken cancellationToken)
    {
        try { return await docker.Images.InspectImageAsync(name, cancellationToken); }
        catch (DockerImageNotFoundException) { return null; }
    }

    private async Task<ContainerInspectResponse?> TryInspectContainer(string name, CancellationToken cancellationToken)
    {
        try { return await docker.Containers.InspectContainerAsync(name, cancellationToken); }
        catch (DockerContainerNotFoundException) { return null; }
    }

    private static string? Digest(ImageInspectResponse image) =>
        image.RepoDigests?.FirstOrDefault()?.Split('@').LastOrDefault() ?? image.ID;

    private static string Explain(string? body, HttpStatusCode status) =>
        string.IsNullOrWhiteSpace(body) ? $"the engine answered {(int)status} {status}" : body.Trim();

    public void Dispose() => docker.Dispose();
}

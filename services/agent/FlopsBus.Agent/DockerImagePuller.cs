using System.Collections.Concurrent;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using FlopsBus.Hosting;
using Microsoft.Extensions.Logging;

namespace FlopsBus.Agent;

/// <summary>
/// Pull-if-absent on the Docker engine: an image the node holds is used as it is; any other is pulled under the
/// node's <see cref="PullScheduler"/> with the registry's login, following the engine's progress to learn which
/// layers came over the wire and whether the engine gave up halfway. Where the node's cluster has a pull-through cache
/// of the image's registry (<see cref="RegistryMirror"/>), the image comes through it and is then named as the
/// registry names it, so containers, inspection and take-back see no difference; a cache that does not give the
/// image is passed over for the registry itself.
/// A transfer during which nothing comes for <c>stallTimeout</c> is given up as stalled.
/// </summary>
public sealed class DockerImagePuller(
    DockerClient docker, PullScheduler scheduler, IReadOnlyDictionary<string, RegistryCredential> credentials,
    IReadOnlyList<RegistryMirror> mirrors, TimeSpan stallTimeout, TimeProvider clock, ILogger logger) : IDisposable
{
    // The transfer under way per image (as the actor names it), for progress reports.
    private readonly ConcurrentDictionary<string, Progress> _transfers = new();

    public PullProgress? ProgressOf(ImageReference image) => _transfers.TryGetValue(image.ToString(), out var progress) ? progress.Now : null;

    public async Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken)
    {
        if (await TryInspect(image, cancellationToken) is { } cached)
            return new PullResult(Digest(cached, image), AlreadyCached: true);
        return await scheduler.PullAsync(image, attempt => PullOnce(image, attempt), cancellationToken);
    }

    private async Task<PullResult> PullOnce(ImageReference image, CancellationToken cancellationToken)
    {
        if (mirrors.FirstOrDefault(m => string.Equals(m.Registry, image.Registry, StringComparison.OrdinalIgnoreCase)) is { } mirror)
        {
            var throughCache = image with { Registry = mirror.Mirror };
            try
            {
                var pulled = await Transfer(throughCache, image, Login(image, mirror.Mirror), mirror.StallTimeout, cancellationToken);
                await NameAsTheRegistryDoes(throughCache, image, cancellationToken);
                return pulled;
            }
            catch (PullFailure failure)
            {
                logger.LogWarning("The cluster's image cache {Mirror} did not give {Image} ({Reason}); pulling it from {Registry}",
                    mirror.Mirror, image, failure.Message, image.Registry);
            }
        }
        return await Transfer(image, image, Login(image, image.Registry), stallTimeout, cancellationToken);
    }

    /// <summary>
    /// Gives an image pulled through the cache its registry's name and drops the cache's. A tag is set on the node;
    /// a digest is the registry's to vouch for, so the registry is asked for the manifest (its layers are all on the
    /// node by now: only the manifest crosses the uplink).
    /// </summary>
    private async Task NameAsTheRegistryDoes(ImageReference throughCache, ImageReference image, CancellationToken cancellationToken)
    {
        if (image.Digest is null)
            await docker.Images.TagImageAsync(throughCache.ToString(),
                new ImageTagParameters { RepositoryName = image.FromImage, Tag = image.Tag, Force = true }, cancellationToken);
        else
            await Transfer(image, image, Login(image, image.Registry), stallTimeout, cancellationToken);
        // Untags only: the layers belong to the image under its registry's name now.
        await docker.Images.DeleteImageAsync(throughCache.ToString(), new ImageDeleteParameters { NoPrune = true }, cancellationToken);
    }

    /// <param name="image">What is pulled: the image as its registry names it, or as the cluster's cache does.</param>
    /// <param name="wanted">The image as the actor names it, under which progress is reported.</param>
    /// <param name="patience">How long the transfer may go without a word from the engine before it counts as stalled.</param>
    private async Task<PullResult> Transfer(ImageReference image, ImageReference wanted, AuthConfig login, TimeSpan patience, CancellationToken cancellationToken)
    {
        var progress = new Progress(clock);
        _transfers[wanted.ToString()] = progress;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watch = new PeriodicTimer(TimeSpan.FromSeconds(Math.Clamp(patience.TotalSeconds / 4, 0.05, 1)), clock);
        var watching = WatchForStall(progress, watch, patience, stall);
        try
        {
            await docker.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = image.FromImage, Tag = image.Digest ?? image.Tag },
                login, progress, stall.Token);
        }
        catch (Exception e) when (e is not DockerApiException && stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PullFailure($"pulling {image} stalled", $"nothing came over the wire for {patience.TotalSeconds:0.#} s", transient: true);
        }
        catch (DockerApiException e)
        {
            // Errors found before the transfer starts (unknown tag, unreachable registry) come as a status code.
            throw PullFailure.Classify(image, EngineMessage(e));
        }
        catch (Exception e) when (e is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // A cancelled stream read may surface as an I/O error; it is the deadline all the same.
            throw new OperationCanceledException("The pull was cancelled", e, cancellationToken);
        }
        finally
        {
            watch.Dispose();
            await watching;
            _transfers.TryRemove(new KeyValuePair<string, Progress>(wanted.ToString(), progress));
        }
        // Errors during the transfer come inside the progress stream.
        if (progress.Error is { } error)
            throw PullFailure.Classify(image, error);
        // The engine names the digest in its progress; only a pull that did not is asked about afterwards.
        var digest = progress.Digest ?? (await TryInspect(image, cancellationToken) is { } pulled
            ? Digest(pulled, image)
            : throw new PullFailure($"pulling {image} failed", "the engine has no such image after the pull", transient: false));
        logger.LogInformation("Pulled {Image} ({Digest}): {Downloaded} layers downloaded ({Bytes} bytes), {Cached} already on the node",
            image, digest, progress.Downloaded.Count, progress.Now.Bytes, progress.AlreadyThere.Count);
        return new PullResult(digest, AlreadyCached: progress.Downloaded.Count == 0, progress.Now.Bytes);
    }

    /// <summary>Cancels <paramref name="stall"/> once the transfer has gone <paramref name="patience"/> without a word from the engine.</summary>
    private async Task WatchForStall(Progress progress, PeriodicTimer watch, TimeSpan patience, CancellationTokenSource stall)
    {
        while (await watch.WaitForNextTickAsync())
            if (clock.GetUtcNow() - progress.LastWord > patience)
            {
                await stall.CancelAsync();
                return;
            }
    }

    /// <summary>The registry's login, presented to <paramref name="server"/>: the registry itself, or its cache, which passes it on.</summary>
    private AuthConfig Login(ImageReference image, string server) =>
        credentials.TryGetValue(image.Registry, out var login)
            ? new AuthConfig { ServerAddress = server, Username = login.Username, Password = login.Password }
            : new AuthConfig();

    private async Task<ImageInspectResponse?> TryInspect(ImageReference image, CancellationToken cancellationToken)
    {
        try { return await docker.Images.InspectImageAsync(image.ToString(), cancellationToken); }
        catch (DockerImageNotFoundException) { return null; }
    }

    /// <summary>The registry's digest of the image as this reference names it, or the engine's image id when it has none.</summary>
    private static string Digest(ImageInspectResponse inspected, ImageReference image) =>
        inspected.RepoDigests?.FirstOrDefault(d => d.StartsWith(image.FromImage + "@", StringComparison.Ordinal))?.Split('@')[1]
        ?? inspected.ID;

    private static string EngineMessage(DockerApiException e)
    {
        try
        {
            using var body = JsonDocument.Parse(e.ResponseBody ?? "");
            if (body.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                return text;
        }
        catch (JsonException)
        {
            // Not the engine's JSON error: fall back to what came.
        }
        return string.IsNullOrWhiteSpace(e.ResponseBody) ? $"the engine answered {(int)e.StatusCode} {e.StatusCode}" : e.ResponseBody.Trim();
    }

    public void Dispose() => scheduler.Dispose();

    /// <summary>
    /// The engine's progress messages, taken as they are read: System.Progress would hand them to the thread pool,
    /// and an error could then arrive after the pull had been judged a success.
    /// </summary>
    private sealed class Progress(TimeProvider clock) : IProgress<JSONMessage>
    {
        private const string DigestStatus = "Digest: ";
        private readonly Lock _lock = new();

        private readonly Dictionary<string, (long Current, long Total)> _layers = [];
        // Layers the engine named for this pull that it has to fetch; their sizes come as their downloads start.
        private readonly HashSet<string> _toFetch = [];

        public HashSet<string> Downloaded { get; } = [];
        public HashSet<string> AlreadyThere { get; } = [];
        public string? Error { get; private set; }
        public string? Digest { get; private set; }
        /// <summary>
        /// The compressed bytes that came over the wire so far (a finished layer counts its size: the engine reports
        /// progress only now and then, not its last byte), and of how many once every layer to fetch has said its size
        /// (0 until then).
        /// </summary>
        public PullProgress Now
        {
            get
            {
                lock (_lock)
                    return new PullProgress(_layers.Values.Sum(l => l.Current),
                        _toFetch.All(_layers.ContainsKey) ? _layers.Values.Sum(l => l.Total) : 0);
            }
        }
        /// <summary>When the engine last said anything about this pull.</summary>
        public DateTimeOffset LastWord => new(Interlocked.Read(ref _lastWord), TimeSpan.Zero);
        private long _lastWord = clock.GetUtcNow().UtcTicks;

        public void Report(JSONMessage message)
        {
            lock (_lock) Take(message);
            Interlocked.Exchange(ref _lastWord, clock.GetUtcNow().UtcTicks);
        }

        private void Take(JSONMessage message)
        {
            if (message.Error?.Message is { Length: > 0 } error) Error = error;
            else if (!string.IsNullOrEmpty(message.ErrorMessage)) Error = message.ErrorMessage;
            else if (message.Status is "Pulling fs layer" or "Waiting" && !string.IsNullOrEmpty(message.ID)) _toFetch.Add(message.ID);
            else if (message.Status == "Downloading" && message.Progress is { } bytes)
                _layers[message.ID] = (bytes.Current, bytes.Total);
            else if (message.Status == "Download complete" && _layers.TryGetValue(message.ID, out var layer))
                _layers[message.ID] = (Math.Max(layer.Current, layer.Total), layer.Total);
            else if (message.Status == "Pull complete") Downloaded.Add(message.ID);
            else if (message.Status == "Already exists") AlreadyThere.Add(message.ID);
            else if (message.Status?.StartsWith(DigestStatus, StringComparison.Ordinal) == true) Digest = message.Status[DigestStatus.Length..].Trim();
        }
    }
}

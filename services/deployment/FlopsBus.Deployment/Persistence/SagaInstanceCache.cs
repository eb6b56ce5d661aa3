using Microsoft.Extensions.Caching.Memory;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// The saga instance of each recent project as this process last wrote it, with its version. A project's next event
/// usually comes to the same process (the partitioner keeps its events in turn here), so reading it back from the
/// database can be skipped. Only a hint: the write still names the version it started from, so a document changed by
/// another saga host fails it, the entry is dropped and the retried message reads the database.
/// </summary>
public sealed class SagaInstanceCache(int capacity) : IDisposable
{
    public const int DefaultCapacity = 4096;

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = capacity });

    public bool TryGet(Guid correlationId, out ProjectDeploymentState instance) => _entries.TryGetValue(correlationId, out instance!);

    public void Written(ProjectDeploymentState instance) =>
        _entries.Set(instance.CorrelationId, instance, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });

    public void Forget(Guid correlationId) => _entries.Remove(correlationId);

    public void Dispose() => _entries.Dispose();
}

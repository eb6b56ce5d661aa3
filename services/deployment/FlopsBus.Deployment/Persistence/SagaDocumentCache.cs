using Microsoft.Extensions.Caching.Memory;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// The document this process last wrote for each recent project, with its version. A project's next event
/// usually comes to the same process (the partitioner keeps its events in turn here), so reading it back from
/// the database can be skipped. Only a hint: the write still names the version it started from, so a document
/// changed by another saga host fails it, the entry is dropped and the retried message reads the database.
/// </summary>
public sealed class SagaDocumentCache(int capacity) : IDisposable
{
    public const int DefaultCapacity = 4096;

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = capacity });

    public bool TryGet(Guid correlationId, out string document, out int version)
    {
        if (_entries.TryGetValue(correlationId, out (string Document, int Version) entry))
        {
            (document, version) = entry;
            return true;
        }
        (document, version) = ("", 0);
        return false;
    }

    public void Written(Guid correlationId, string document, int version) =>
        _entries.Set(correlationId, (document, version), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });

    public void Forget(Guid correlationId) => _entries.Remove(correlationId);

    public void Dispose() => _entries.Dispose();
}

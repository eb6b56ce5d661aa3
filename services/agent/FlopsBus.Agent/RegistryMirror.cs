namespace FlopsBus.Agent;

/// <summary>
/// A pull-through cache of <see cref="Registry"/> at <see cref="Mirror"/> (host:port), shared by the nodes of a cluster:
/// tests/infra/registry-cache.conf is one, nginx caching blobs by digest. A list entry rather than a dictionary key,
/// because a registry's name holds a colon, which configuration keys take as a section separator.
/// </summary>
public sealed class RegistryMirror
{
    public string Registry { get; set; } = "";
    public string Mirror { get; set; } = "";
}

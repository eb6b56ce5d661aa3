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
    /// <summary>
    /// How long a pull through the cache may go without a byte before it counts as stalled. Longer than
    /// Agent:PullStallTimeout: the cache holds a node's request for a layer it is fetching for another node, silent until
    /// that fetch is done, which over a thin uplink takes minutes for a large layer.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

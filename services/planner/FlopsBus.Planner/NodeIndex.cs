namespace FlopsBus.Planner;

/// <summary>
/// The live nodes filed the way placement asks for them: by add-on (learner node or plain worker), by cluster and by
/// cached image, each set ordered by free cpu, most first. Placing a project walks down from the top of the few sets
/// its rules name and stops where no node further down can do better, instead of scanning every node for every
/// project: the cost follows the project's size, not the cluster's. A node is refiled in place whenever it changes
/// (<see cref="NodeCandidate"/> tells its index of every report and of every actor that holds or leaves it), so no
/// placement rebuilds anything. Nodes with equal free cpu keep the order they joined in, as the scanned list did.
/// Read and change it only under the registry's gate.
/// </summary>
public sealed class NodeIndex
{
    /// <summary>A node's place in a set: free cpu, then when it joined (unique, so sets never take two nodes as one).</summary>
    private readonly record struct Slot(int FreeCpu, long Joined, NodeCandidate Node);

    /// <summary>One set: learner nodes or plain workers, of one cluster (null: every cluster), holding one image (null: any).</summary>
    private readonly record struct Pool(bool Learner, string? Cluster, string? Image);

    /// <summary>What a node was filed under, to find it again once it has changed.</summary>
    private sealed record Filing(Slot Slot, bool Learner, string Cluster, IReadOnlySet<string> Images);

    private sealed class MostFreeCpuFirst : IComparer<Slot>
    {
        public static readonly MostFreeCpuFirst Instance = new();
        public int Compare(Slot a, Slot b) => a.FreeCpu != b.FreeCpu ? b.FreeCpu.CompareTo(a.FreeCpu) : a.Joined.CompareTo(b.Joined);
    }

    private readonly Dictionary<Pool, SortedSet<Slot>> _pools = new();
    private readonly Dictionary<NodeCandidate, Filing> _filed = new();
    private long _joined;

    public NodeIndex(IEnumerable<NodeCandidate> nodes)
    {
        foreach (var node in nodes) Add(node);
    }

    /// <summary>The live nodes, of one cluster or of all.</summary>
    public int CountNodes(string? cluster = null) => Size(new Pool(false, cluster, null)) + Size(new Pool(true, cluster, null));

    /// <summary>The live nodes with the learner add-on, of one cluster or of all.</summary>
    public int CountLearnerNodes(string? cluster = null) => Size(new Pool(true, cluster, null));

    public IEnumerable<(string Cluster, int LearnerNodes)> ClustersWithLearnerNodes() =>
        _pools.Where(p => p.Key is { Learner: true, Cluster: not null, Image: null }).Select(p => (p.Key.Cluster!, p.Value.Count));

    /// <summary>Learner nodes or plain workers, of one cluster or of all, holding the image or not asked; most free cpu first.</summary>
    public IEnumerable<NodeCandidate> MostFreeFirst(bool learnerNodes, string? cluster = null, string? holdingImage = null) =>
        _pools.TryGetValue(new Pool(learnerNodes, cluster, holdingImage), out var set) ? set.Select(s => s.Node) : [];

    internal IEnumerable<NodeCandidate> Nodes => _filed.Keys;

    internal void Add(NodeCandidate node)
    {
        if (node.Index is not null)
            throw new InvalidOperationException($"Node {node.NodeId} is in an index already: only one can be told of its changes.");
        File(node, _joined++);
        node.Index = this;
    }

    internal void Remove(NodeCandidate node)
    {
        if (!_filed.TryGetValue(node, out var filing)) return;
        Unfile(node, filing);
        node.Index = null;
    }

    /// <summary>Files the node again after it changed; a new free cpu alone moves it within the sets it is in.</summary>
    internal void Refile(NodeCandidate node)
    {
        if (!_filed.TryGetValue(node, out var filing)) return;
        if (filing.Learner != node.IsLearnerNode || filing.Cluster != node.Node.Cluster
            || (!ReferenceEquals(filing.Images, node.CachedImages) && !filing.Images.SetEquals(node.CachedImages)))
        {
            Unfile(node, filing);
            File(node, filing.Slot.Joined);
            return;
        }
        if (filing.Slot.FreeCpu == node.FreeCpuMillis) return;
        var moved = filing.Slot with { FreeCpu = node.FreeCpuMillis };
        foreach (var pool in PoolsOf(filing))
        {
            var set = _pools[pool];
            set.Remove(filing.Slot);
            set.Add(moved);
        }
        _filed[node] = filing with { Slot = moved };
    }

    private void File(NodeCandidate node, long joined)
    {
        var filing = new Filing(new Slot(node.FreeCpuMillis, joined, node), node.IsLearnerNode, node.Node.Cluster, node.CachedImages);
        foreach (var pool in PoolsOf(filing))
        {
            if (!_pools.TryGetValue(pool, out var set)) _pools[pool] = set = new SortedSet<Slot>(MostFreeCpuFirst.Instance);
            set.Add(filing.Slot);
        }
        _filed[node] = filing;
    }

    private void Unfile(NodeCandidate node, Filing filing)
    {
        foreach (var pool in PoolsOf(filing))
        {
            var set = _pools[pool];
            set.Remove(filing.Slot);
            // Images come and go: a set nobody is in any more would stay for good.
            if (set.Count == 0) _pools.Remove(pool);
        }
        _filed.Remove(node);
    }

    private int Size(Pool pool) => _pools.TryGetValue(pool, out var set) ? set.Count : 0;

    private static IEnumerable<Pool> PoolsOf(Filing filing)
    {
        // Every cluster's sets and the node's own cluster's; a node that names no cluster (a malformed report) is in the former alone.
        string?[] clusters = filing.Cluster is null ? [null] : [null, filing.Cluster];
        foreach (var cluster in clusters)
        {
            yield return new Pool(filing.Learner, cluster, null);
            foreach (var image in filing.Images) yield return new Pool(filing.Learner, cluster, image);
        }
    }
}

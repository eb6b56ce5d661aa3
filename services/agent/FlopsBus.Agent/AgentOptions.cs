using Microsoft.Extensions.Configuration;

namespace FlopsBus.Agent;

/// <summary>Configuration section "Agent": the node this agent speaks for and how it runs actors.</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    public string NodeId { get; set; } = Environment.MachineName.ToLowerInvariant();
    /// <summary>The address other actors reach this node's actors at (host network).</summary>
    public string Address { get; set; } = "127.0.0.1";
    public List<string> AddOns { get; set; } = [];
    public string Cluster { get; set; } = "default";
    public int CpuMillis { get; set; } = 4000;
    public int MemoryMb { get; set; } = 8192;
    /// <summary>
    /// Ports actors on this node may listen on; nodes sharing one machine need disjoint ranges. Below Linux's
    /// ephemeral range (32768 and up), so an outgoing connection never holds the port an aggregator needs.
    /// </summary>
    public int PortRangeStart { get; set; } = 29000;
    public int PortRangeEnd { get; set; } = 29099;
    /// <summary>The node's local training data, one folder per data tag, mounted read-only into learners.</summary>
    public string DataDir { get; set; } = "/var/lib/flops/data";
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>"docker", "process" (local processes, for the embedded demo) or "simulated" (hollow nodes, for benchmarks of scale).</summary>
    public string Runtime { get; set; } = "docker";
    public string DockerEndpoint { get; set; } = "unix:///var/run/docker.sock";
    /// <summary>Registries actor images may be pulled from; anything else is refused before any network call.</summary>
    public List<string> AllowedRegistries { get; set; } = ["127.0.0.1:5000"];
    /// <summary>Logins by registry; see <see cref="RegistryCredential.FromSection"/> for how they are read.</summary>
    public Dictionary<string, RegistryCredential> RegistryCredentials { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>
    /// The pull-through caches of this node's cluster, one per registry it mirrors. A node pulls through its cluster's
    /// cache, so a layer crosses the site's uplink once for the whole cluster rather than once per node, and keeps
    /// the image under its registry's name; when the cache does not give the image, the node pulls from the registry.
    /// </summary>
    public List<RegistryMirror> RegistryMirrors { get; set; } = [];
    /// <summary>Images pulled at once; more wait for a slot. Actors that want the same image share its pull.</summary>
    public int MaxConcurrentPulls { get; set; } = 3;
    /// <summary>The longest a pull may take once it has a slot, its retries included.</summary>
    public TimeSpan PullTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>A pull during which nothing comes over the wire for this long fails (transiently: it is tried again).</summary>
    public TimeSpan PullStallTimeout { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>How often a pull under way is reported (<see cref="Contracts.ImagePulling"/>), when it has moved on.</summary>
    public TimeSpan PullProgressInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Attempts at a pull that fails for a transient reason (registry unreachable or failing).</summary>
    public int PullAttempts { get; set; } = 3;
    /// <summary>The wait before the second attempt; it doubles before each further one.</summary>
    public TimeSpan PullRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a removed actor gets to end by itself (SIGTERM) before it is killed.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Simulated runtime: how long its steps take.</summary>
    public SimulatedRuntimeOptions Simulated { get; set; } = new();
    /// <summary>Process runtime: the command line that stands for each image.</summary>
    public Dictionary<string, string> ProcessCommands { get; set; } = new();
    /// <summary>How long the agent waits for the saga to say which of its actors are over, before it reports its node live.</summary>
    public TimeSpan RetiredActorsTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How many of an actor's last output lines go into the reason when it exits on its own.</summary>
    public int LastLinesOnExit { get; set; } = 10;

    /// <summary>How actor containers are confined; see <see cref="ContainerConfinement"/>.</summary>
    public ContainerConfinement Confinement { get; set; } = new();
    /// <summary>Per role, the confinement with that role's overrides applied.</summary>
    public Dictionary<string, ContainerConfinement> RoleConfinement { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public ContainerConfinement ConfinementFor(string role) => RoleConfinement.GetValueOrDefault(role) ?? Confinement;

    /// <summary>The "Agent" section of <paramref name="configuration"/>, registry credentials included.</summary>
    public static AgentOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = section.Get<AgentOptions>() ?? new AgentOptions();
        // The binder appends configured list items to the default ones; a configured allow-list replaces the default.
        if (section.GetSection(nameof(AllowedRegistries)).Get<List<string>>() is { Count: > 0 } allowed)
            options.AllowedRegistries = allowed;
        options.RegistryCredentials = RegistryCredential.FromSection(section.GetSection(nameof(RegistryCredentials)));
        // Bound here rather than by the binder: a role's section overrides the configured defaults, not the built-in ones.
        (options.Confinement, options.RoleConfinement) = ContainerConfinement.From(section.GetSection(nameof(Confinement)), section.GetSection(nameof(RoleConfinement)));
        return options;
    }
}

namespace FlopsBus.Deployment;

/// <summary>Configuration section "Deployment": the saga's deadlines and how it waits out a database outage.</summary>
public sealed class DeploymentOptions
{
    public const string Section = "Deployment";

    /// <summary>How long a project may take to be ready when its submission does not say.</summary>
    public TimeSpan DefaultReadinessTimeout { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How long an actor may take from placement to running (its image pull included).</summary>
    public TimeSpan ActorStartTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How often the deadline watcher looks for deadlines that have passed.</summary>
    public TimeSpan DeadlineScanInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How often the actors-by-status gauge is counted again.</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>
    /// With several saga hosts, one consumes at a time and the others stand by (RabbitMQ's single active consumer on
    /// the saga host's queues), taking over as soon as its connection goes. Hosts that compete for one project's events
    /// lose the race on each other's writes: measured with bench-system (1,000 nodes, 2 projects/s), two competing hosts
    /// gave p99 3.5 s submit-to-READY and 808 events/s against 1.1 s and 1,209 for one. False lets them compete.
    /// </summary>
    public bool SingleActiveHost { get; set; } = true;
    /// <summary>
    /// The longest wait between tries of a message that met a database outage (it is tried until the database answers).
    /// It is also how late a held message may go on once the database is back, so it stays short: a try against a
    /// database that is down is refused at once, and the endpoint holds only its prefetch of messages.
    /// </summary>
    public TimeSpan OutageRetryLimit { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>
    /// How long a project's change waits before it is written (on PostgreSQL), so that the changes that follow within
    /// that time share its write: a project's events come a few milliseconds apart (a learner's start, data and
    /// connection), and without the wait each was a write of its own. Each message, and what it publishes, waits as
    /// long, READY included. Zero writes at once.
    /// </summary>
    public TimeSpan WriteDelay { get; set; } = TimeSpan.FromMilliseconds(5);
}

namespace FlopsBus.Testing;

/// <summary>
/// A PostgreSQL server of a test's own: the installed binaries, a data folder in a temporary directory and a free port.
/// The test stops and starts it as an outage would, and the shared server the other tests use is never touched.
/// As root (CI), the server runs as the postgres user, which PostgreSQL requires.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;
    private readonly string _bin;

    private PrivatePostgres(DirectoryInfo folder, string bin, int port) => (_folder, _bin, Port) = (folder, bin, port);

    public int Port { get; }
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=flops;Database=flopsbus;Timeout=5";
    private string Data => Path.Combine(_folder.FullName, "data");

    public static async Task<PrivatePostgres> Create()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(Directory.Exists)
            .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).LastOrDefault()
            ?? throw new InvalidOperationException("No PostgreSQL under /usr/lib/postgresql: make infra installs it.");
        var folder = Directory.CreateTempSubdirectory("flops-pg-");
        if (Environment.UserName == "root") await Run("chown", "postgres:", folder.FullName);
        var postgres = new PrivatePostgres(folder, bin, LoopbackPorts.Free());
        await postgres.AsServerUser("initdb", "-D", postgres.Data, "-A", "trust", "-U", "flops");
        await postgres.Start();
        return postgres;
    }

    /// <summary>Starts the server and returns once it accepts connections.</summary>
    public Task Start() => AsServerUser("pg_ctl", "-D", Data, "-l", Path.Combine(_folder.FullName, "postgres.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_folder.FullName} -c listen_addresses=127.0.0.1", "start");

    /// <summary>Stops the server (fast shutdown: open sessions are ended) and returns once it is down.</summary>
    public Task Stop() => AsServerUser("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");

    private Task AsServerUser(string program, params string[] args) => Environment.UserName == "root"
        ? Run("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. args])
        : Run(Path.Combine(_bin, program), args);

    private static Task Run(string program, params string[] args) => Processes.Run(program, args);

    public async ValueTask DisposeAsync()
    {
        try { await Stop(); }
        catch (InvalidOperationException) { }   // already stopped
        _folder.Delete(recursive: true);
    }
}

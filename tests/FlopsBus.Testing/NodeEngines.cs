namespace FlopsBus.Testing;

/// <summary>The simulated nodes' Docker engines as a machine's operator handles them: tests/infra/node-engine.sh.</summary>
public static class NodeEngines
{
    /// <summary>
    /// Stops node <paramref name="number"/>'s engine and starts it again, returning once it answers. Its containers run
    /// on meanwhile (live-restore), as on a node whose engine is upgraded or restarted by its supervisor.
    /// </summary>
    public static Task Restart(int number) => Processes.Run("bash",
        [Path.Combine(TestEnvironment.RepositoryRoot, "tests", "infra", "node-engine.sh"), "restart", number.ToString()],
        environment: new Dictionary<string, string> { ["FLOPS_INFRA_STATE"] = TestEnvironment.InfraState });
}

using System.Diagnostics;

namespace FlopsBus.Testing;

/// <summary>How tests start a FlopsBus program as its own process: its build of this configuration, configured through FLOPS_ variables.</summary>
public static class ServiceProcess
{
    /// <param name="projectFolder">The project's folder below the repository, e.g. services/agent/FlopsBus.Agent.Host.</param>
    /// <param name="assembly">The program's assembly name, e.g. FlopsBus.Agent.Host or flops.</param>
    public static ProcessStartInfo StartInfo(string projectFolder, string assembly, IReadOnlyDictionary<string, string?> settings)
    {
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, projectFolder, "bin", TestEnvironment.BuildConfiguration, "net10.0", assembly + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{assembly} is not built", dll);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in settings) info.Environment["FLOPS_" + key.Replace(":", "__")] = value;
        return info;
    }
}

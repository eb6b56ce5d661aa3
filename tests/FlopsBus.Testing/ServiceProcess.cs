using System.Diagnostics;

namespace FlopsBus.Testing;

/// <summary>How tests start a FlopsBus program as its own process: its build of this configuration, configured through FLOPS_ variables.</summary>
public static class ServiceProcess
{
    /// <param name="projectFolder">The project's folder below the repository, e.g. services/agent/FlopsBus.Agent.Host.</param>
    /// <param name="assembly">The program's assembly name, e.g. FlopsBus.Agent.Host or flops.</param>
    /// <param name="programVariable">An environment variable that may name another build to run instead: an executable
    /// (a self-contained publish), or a .dll that dotnet runs.</param>
    public static ProcessStartInfo StartInfo(string projectFolder, string assembly, IReadOnlyDictionary<string, string?> settings,
        string? programVariable = null)
    {
        var program = programVariable is null ? null : Environment.GetEnvironmentVariable(programVariable);
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, projectFolder, "bin", TestEnvironment.BuildConfiguration, "net10.0", assembly + ".dll");
        if (string.IsNullOrEmpty(program) && !File.Exists(dll)) throw new FileNotFoundException($"{assembly} is not built", dll);
        if (!string.IsNullOrEmpty(program) && !File.Exists(program))
            throw new FileNotFoundException($"{programVariable} names {program}, which is not there", program);
        var executable = !string.IsNullOrEmpty(program) && !program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(executable ? Path.GetFullPath(program!) : "dotnet")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!executable) info.ArgumentList.Add(string.IsNullOrEmpty(program) ? dll : Path.GetFullPath(program!));
        foreach (var (key, value) in settings) info.Environment["FLOPS_" + key.Replace(":", "__")] = value;
        return info;
    }
}

using System.Diagnostics;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>Runs the `flops` CLI as a person or a script would, against the broker of a test's virtual host.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static async Task<Result> Run(IReadOnlyDictionary<string, string?> busSettings, params string[] args)
    {
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "services", "cli", "FlopsBus.Cli", "bin",
            TestEnvironment.BuildConfiguration, "net10.0", "flops.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in busSettings) info.Environment["FLOPS_" + key.Replace(":", "__")] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}

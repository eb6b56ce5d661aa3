using System.Diagnostics;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>Runs the `flops` CLI as a person or a script would, against the broker of a test's virtual host.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static async Task<Result> Run(IReadOnlyDictionary<string, string?> busSettings, params string[] args)
    {
        var info = ServiceProcess.StartInfo("services/cli/FlopsBus.Cli", "flops", busSettings);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}

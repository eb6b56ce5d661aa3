using System.Diagnostics;

namespace FlopsBus.Testing;

/// <summary>docker.io's own client (it speaks the engine's API), for what is plainer on the command line: import, push, build.</summary>
public static class DockerCli
{
    public const string Path = "/usr/bin/docker";

    /// <summary>Runs <c>docker ARGS</c>, feeding it <paramref name="input"/>; returns its output, or throws with its error.</summary>
    public static async Task<string> Run(IEnumerable<string> args, Stream? input = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await input.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
        }
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"docker {string.Join(' ', info.ArgumentList)} failed: {(await error).Trim()}");
        return await output;
    }
}

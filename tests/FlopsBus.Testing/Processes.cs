using System.Diagnostics;

namespace FlopsBus.Testing;

public static class Processes
{
    /// <summary>
    /// Runs <paramref name="program"/> to its end, feeding it <paramref name="input"/>; returns its output, or throws with
    /// its error output when it fails.
    /// </summary>
    public static async Task<string> Run(string program, IEnumerable<string> args, Stream? input = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
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
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {(await error).Trim()}{(await output).Trim()}");
        return await output;
    }
}

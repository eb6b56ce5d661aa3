namespace FlopsBus.Testing;

/// <summary>docker.io's own client (it speaks the engine's API), for what is plainer on the command line: import, push, build.</summary>
public static class DockerCli
{
    public const string Path = "/usr/bin/docker";

    /// <summary>Runs <c>docker ARGS</c>, feeding it <paramref name="input"/>; returns its output, or throws with its error.</summary>
    public static Task<string> Run(IEnumerable<string> args, Stream? input = null, IReadOnlyDictionary<string, string>? environment = null) =>
        Processes.Run(Path, args, input, environment);
}

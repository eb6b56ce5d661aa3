using FlopsBus.Hosting;

namespace FlopsBus.Agent;

/// <summary>
/// One failed pull attempt, read from the engine's words: what went wrong in the operator's terms, its cause
/// as the engine put it, and whether another attempt may go better. Only an unreachable or failing registry is
/// worth retrying; a missing image or a refused login stays so however often it is asked.
/// </summary>
public sealed class PullFailure(string what, string cause, bool transient) : Exception($"{what}: {cause}")
{
    public string What { get; } = what;
    public string Cause { get; } = cause;
    public bool Transient { get; } = transient;

    // The engine's messages carry the registry client's error texts (Go's net and distribution packages).
    private static readonly string[] NotFound = ["manifest unknown", "name unknown", "repository does not exist", "not found"];
    private static readonly string[] Unauthorized = ["unauthorized", "authentication required", "denied", "incorrect username or password"];
    private static readonly string[] Unreachable =
    [
        "connection refused", "no such host", "i/o timeout", "connection reset by peer", "network is unreachable",
        "no route to host", "tls handshake timeout", "server misbehaving", "context deadline exceeded", "eof",
    ];
    private static readonly string[] ServerError =
        ["500 internal server error", "502 bad gateway", "503 service unavailable", "504 gateway timeout", "429 too many requests"];

    public static PullFailure Classify(ImageReference image, string engineMessage)
    {
        var message = engineMessage.Trim();
        if (FirstIn(message, Unauthorized) is { } denied)
            return new PullFailure($"registry {image.Registry} refused to give {image} (check Agent:RegistryCredentials)", denied, transient: false);
        if (FirstIn(message, Unreachable) is { } unreachable)
            return new PullFailure($"registry {image.Registry} unreachable", unreachable, transient: true);
        if (FirstIn(message, ServerError) is { } serverError)
            return new PullFailure($"registry {image.Registry} failing", serverError, transient: true);
        if (FirstIn(message, NotFound) is { } notFound)
            return new PullFailure($"image {image} not found in registry {image.Registry}", notFound, transient: false);
        return new PullFailure($"pulling {image} failed", message, transient: false);
    }

    private static string? FirstIn(string message, string[] phrases) =>
        phrases.FirstOrDefault(p => message.Contains(p, StringComparison.OrdinalIgnoreCase));
}

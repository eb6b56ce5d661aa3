using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace FlopsBus.Hosting;

/// <summary>
/// A parsed image reference, registry/repository[:tag][@digest], with Docker's rule for what counts
/// as a registry host. Planner and agent both check references against their allow-lists with it.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>The form Docker's pull API takes: repository with its registry, plus tag.</summary>
    public string FromImage => Registry == DockerHub ? Repository : $"{Registry}/{Repository}";

    public override string ToString() =>
        Digest is null ? $"{FromImage}:{Tag}" : $"{FromImage}@{Digest}";

    public static bool TryParse(string? text, [NotNullWhen(true)] out ImageReference? reference)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var match = Pattern().Match(text);
        if (!match.Success) return false;

        var name = match.Groups["name"].Value;
        var slash = name.IndexOf('/');
        var first = slash < 0 ? "" : name[..slash];
        var hasRegistry = first.Contains('.') || first.Contains(':') || first == "localhost";
        var registry = hasRegistry ? first : DockerHub;
        var repository = hasRegistry ? name[(slash + 1)..] : name;
        var tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : "latest";
        var digest = match.Groups["digest"].Success ? match.Groups["digest"].Value : null;
        reference = new ImageReference(registry, repository, tag, digest);
        return true;
    }

    [GeneratedRegex(@"^(?<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+(?=/))?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$")]
    private static partial Regex Pattern();
}

using System.Security.Cryptography;
using System.Text;

namespace FlopsBus.Planner;

/// <summary>
/// Actor ids derived from what they stand for, so a redelivered or re-planned command names the same actors
/// and the agents' deterministic container names turn a repeat into a no-op.
/// </summary>
public static class ActorIdentity
{
    public static Guid For(Guid projectId, string role, int instance) => Hash($"{projectId:N}/{role}/{instance}");

    /// <summary>The actor that takes over from <paramref name="replacedActorId"/>.</summary>
    public static Guid Replacing(Guid replacedActorId) => Hash($"{replacedActorId:N}/replacement");

    private static Guid Hash(string text) => new(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}

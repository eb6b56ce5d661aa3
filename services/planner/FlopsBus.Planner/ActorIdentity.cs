using System.Security.Cryptography;
using System.Text;

namespace FlopsBus.Planner;

/// <summary>
/// Actor ids derived from (project, role, instance), so a redelivered or re-planned submission names the
/// same actors and the agents' deterministic container names turn a repeat into a no-op.
/// </summary>
public static class ActorIdentity
{
    public static Guid For(Guid projectId, string role, int instance)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{projectId:N}/{role}/{instance}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}

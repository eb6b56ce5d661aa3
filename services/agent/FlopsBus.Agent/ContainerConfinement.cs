using Microsoft.Extensions.Configuration;

namespace FlopsBus.Agent;

/// <summary>
/// How an actor's container is confined, beyond what every container gets (no privileges, no new privileges, every
/// capability dropped): a process limit, a read-only root filesystem with a small writable /tmp, and a user other
/// than root. "Agent:Confinement" holds the defaults; "Agent:RoleConfinement:&lt;role&gt;" overrides any of them for
/// one role (for instance a tracking server that needs more processes).
/// </summary>
public sealed class ContainerConfinement
{
    /// <summary>At most this many processes and threads in the container: a fork bomb stops there.</summary>
    public long PidsLimit { get; set; } = 256;
    public bool ReadOnlyRootFilesystem { get; set; } = true;
    /// <summary>The size of the writable tmpfs at /tmp (Docker's size syntax: 64m, 1g).</summary>
    public string TmpSize { get; set; } = "64m";
    /// <summary>
    /// The "uid:gid" an image that would run as root runs as instead (65534 is "nobody"); an image whose USER is
    /// not root keeps it. The node's data folder must be readable by this user.
    /// </summary>
    public string UserInsteadOfRoot { get; set; } = "65534:65534";

    /// <summary>The user the container runs as, given the user the image declares.</summary>
    public string UserFor(string? imageUser) => RunsAsRoot(imageUser) ? UserInsteadOfRoot : imageUser!;

    private static bool RunsAsRoot(string? user) =>
        string.IsNullOrWhiteSpace(user) || user.Split(':')[0] is "root" or "0";

    private ContainerConfinement Copy() => (ContainerConfinement)MemberwiseClone();

    /// <summary>The defaults from <paramref name="defaults"/>, and per role those with the role's section bound over them.</summary>
    public static (ContainerConfinement Defaults, Dictionary<string, ContainerConfinement> ByRole) From(IConfigurationSection defaults, IConfigurationSection roles)
    {
        var common = new ContainerConfinement();
        defaults.Bind(common);
        var byRole = new Dictionary<string, ContainerConfinement>(StringComparer.OrdinalIgnoreCase);
        foreach (var role in roles.GetChildren())
        {
            var confinement = common.Copy();
            role.Bind(confinement);
            byRole[role.Key] = confinement;
        }
        return (common, byRole);
    }
}

using System.Security.Cryptography;
using System.Text;

namespace FlopsBus.Cli;

/// <summary>
/// The names the status table shows, in the seed's (Oakestra's) style: apps `proj&lt;12 hex&gt;`, services
/// `aggr&lt;12 hex&gt;` and `flearner&lt;12 hex&gt;`, the customer's `observatory` with `tracking&lt;12 hex&gt;`, ids of 24 hex.
/// All derived from the project's (or the observatory's) id, so stable.
/// </summary>
public static class OakestraNames
{
    public static string AppName(Guid projectId) => "proj" + Hex(projectId, "app")[..12];
    /// <summary>The customer's app holding its tracking server; its id comes from the observatory's id.</summary>
    public const string ObservatoryAppName = "observatory";
    public static string AppId(Guid projectId) => Hex(projectId, "app")[..24];
    public static string ServiceName(Guid projectId, string prefix) => prefix + Hex(projectId, "service")[..12];
    public static string ServiceId(Guid projectId, string role) => Hex(projectId, "service/" + role)[..24];

    private static string Hex(Guid projectId, string salt) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{projectId:N}/{salt}")));
}

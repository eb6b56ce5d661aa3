using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlopsBus.Hosting;

/// <summary>
/// An account's settings as a configuration file a host reads at start-up (named by FLOPS_SETTINGS_FILE): how
/// <c>flops node add</c> and <c>flops account add</c> hand a password to a process without an environment or a
/// command line that others on the machine can read. Written readable by its owner only.
/// </summary>
public static class AccountSettings
{
    public const string FileVariable = "FLOPS_SETTINGS_FILE";

    public static void Write(string path, string username, string password, IReadOnlyDictionary<string, string>? more = null)
    {
        var settings = new JsonObject { ["Bus"] = new JsonObject { ["Username"] = username, ["Password"] = password } };
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            var section = (JsonObject)(settings[key.Split(':')[0]] ??= new JsonObject());
            section[key.Split(':', 2)[1]] = value;
        }
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        JsonSerializer.Serialize(file, settings, new JsonSerializerOptions { WriteIndented = true });
    }
}

using Microsoft.Extensions.Configuration;

namespace FlopsBus.Agent;

/// <summary>A login to one registry, from <c>Agent:RegistryCredentials:&lt;registry&gt;:Username</c> and <c>:Password</c>.</summary>
public sealed class RegistryCredential
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";

    // Options and credentials end up in logs and debugger views; the password must not.
    public override string ToString() => $"{Username} (password hidden)";

    /// <summary>
    /// Reads the credentials below <paramref name="section"/> keyed by registry. A registry with a port
    /// ("127.0.0.1:5000") holds the configuration separator, so its name is the whole path down to the level
    /// that has a Username or a Password, not a single key as the default binder would read it.
    /// </summary>
    public static Dictionary<string, RegistryCredential> FromSection(IConfigurationSection section)
    {
        var credentials = new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase);
        void Walk(IConfigurationSection level)
        {
            foreach (var child in level.GetChildren())
            {
                var username = child[nameof(Username)];
                var password = child[nameof(Password)];
                if (username is not null || password is not null)
                    credentials[child.Path[(section.Path.Length + 1)..]] = new RegistryCredential { Username = username ?? "", Password = password ?? "" };
                else
                    Walk(child);
            }
        }
        Walk(section);
        return credentials;
    }
}

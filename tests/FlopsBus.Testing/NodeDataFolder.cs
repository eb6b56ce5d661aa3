namespace FlopsBus.Testing;

/// <summary>A node's data folder for a test: a fresh temporary folder that actors, which run as a user other than root, can read.</summary>
public static class NodeDataFolder
{
    public static DirectoryInfo Create(string prefix)
    {
        // Temporary folders are made private to their owner (0700); the actors' user must be able to enter this one.
        var folder = Directory.CreateTempSubdirectory(prefix);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return folder;
    }
}

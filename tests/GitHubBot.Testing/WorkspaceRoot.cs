namespace GitHubBot.Testing;

/// <summary>What the gate leaves in its workspace root.</summary>
public static class WorkspaceRoot
{
    /// <summary>
    /// No workspace is left under <paramref name="root"/>, and the worker's own directory beside them (markers, push
    /// repositories) holds no file (markers, push repositories, user-ID claims): every gate cleaned up after itself. A root that does not exist is empty too.
    /// The plans' snapshot repositories (a cache of fetched commits, swept when idle) do not count.
    /// </summary>
    public static bool AreEmpty(string root) =>
        !Directory.Exists(root)
        || (!Directory.EnumerateFileSystemEntries(root).Any(entry => Path.GetFileName(entry) != ".worker")
            && !(Directory.Exists(Path.Combine(root, ".worker")) && Directory.EnumerateFiles(Path.Combine(root, ".worker"), "*", SearchOption.AllDirectories)
                .Any(file => !file.StartsWith(Path.Combine(root, ".worker", "snapshots") + Path.DirectorySeparatorChar, StringComparison.Ordinal))));
}

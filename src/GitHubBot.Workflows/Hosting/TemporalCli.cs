namespace GitHubBot.Workflows.Hosting;

/// <summary>
/// Where the Temporal CLI (and the dev server in it) comes from, in one order for <c>ghbot serve</c>, the tests and
/// the benchmarks: <c>TEMPORAL_CLI_PATH</c>, else a <c>temporal</c> on <c>PATH</c>, else none (the SDK downloads it).
/// </summary>
public static class TemporalCli
{
    /// <summary>The variable that names the CLI binary.</summary>
    public const string Variable = "TEMPORAL_CLI_PATH";

    /// <summary>The CLI from this process's environment, or null when the SDK should download one.</summary>
    public static string? Find() => Find(Environment.GetEnvironmentVariable(Variable), Environment.GetEnvironmentVariable("PATH"));

    /// <summary>
    /// The CLI named by <paramref name="configured"/> (which must exist: a wrong value is a mistake to report, not to
    /// look past), else the first <c>temporal</c> in <paramref name="searchPath"/>, else null.
    /// </summary>
    public static string? Find(string? configured, string? searchPath)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{Variable} points to '{configured}', which does not exist.");
        }

        return (searchPath ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "temporal.exe" : "temporal"))
            .FirstOrDefault(File.Exists);
    }
}

namespace GitHubBot.Testing;

/// <summary>Paths relative to the repository root, found from the test's own output folder.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GitHubBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No GitHubBot.sln above {AppContext.BaseDirectory}.");
    });

    /// <summary>The repository root (where GitHubBot.sln is).</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>../shared/fixtures/github-webhooks/, beside the repository.</summary>
    public static string GitHubWebhookFixtures => Existing(Path.Combine(Root, "..", "shared", "fixtures", "github-webhooks"));

    /// <summary>One real GitHub webhook payload from the shared fixtures.</summary>
    public static string AlertFixtures => Existing(Path.Combine(Root, "..", "shared", "fixtures", "alerts"));

    public static string GitHubWebhookFixture(string fileName) => Existing(Path.Combine(GitHubWebhookFixtures, fileName));

    private static string Existing(string path) =>
        Path.Exists(path) ? Path.GetFullPath(path) : throw new InvalidOperationException($"Expected the shared fixtures at {Path.GetFullPath(path)} (the repository's ../shared).");
}

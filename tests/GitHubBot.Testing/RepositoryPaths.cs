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

    /// <summary>tests/fixtures/github-webhooks/: real GitHub webhook bodies (sources and licences in its README).</summary>
    public static string GitHubWebhookFixtures => Existing(Path.Combine(Root, "tests", "fixtures", "github-webhooks"));

    /// <summary>tests/fixtures/alerts/: real Alertmanager and Grafana webhook bodies.</summary>
    public static string AlertFixtures => Existing(Path.Combine(Root, "tests", "fixtures", "alerts"));

    /// <summary>One real GitHub webhook payload from the repository's fixtures.</summary>

    public static string GitHubWebhookFixture(string fileName) => Existing(Path.Combine(GitHubWebhookFixtures, fileName));

    private static string Existing(string path) =>
        Path.Exists(path) ? Path.GetFullPath(path) : throw new InvalidOperationException($"Expected the test fixtures at {Path.GetFullPath(path)} (tests/fixtures in the repository).");
}

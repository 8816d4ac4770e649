using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using Octokit;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// Reads a repository's .github/ghbot.yml from its default branch, merged over the organization's copy in its
/// .github repository (either may be missing), into the typed configuration; problems come back as data.
/// </summary>
public static class RepoConfigReader
{
    private const string ConfigPath = ".github/ghbot.yml";

    public static async Task<RepoConfigResult> ReadAsync(IGitHubClient client, RepositoryTarget target, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        var files = new List<ConfigFile>();
        foreach (var (owner, repo) in new[] { (target.Owner, ".github"), (target.Owner, target.Repo) })
        {
            var text = await GitHubFailures.CallAsync(() => RawOrNullAsync(client, owner, repo, ConfigPath), time);
            if (text is not null)
            {
                files.Add(new ConfigFile($"{owner}/{repo}: {ConfigPath}", text));
            }
        }

        var load = RepoConfigLoader.Load([.. files]);
        if (!load.IsValid)
        {
            return new RepoConfigResult { Problems = load.Problems };
        }

        try
        {
            return new RepoConfigResult { Config = RepoConfig.From(load.Merged) };
        }
        catch (FormatException ex)
        {
            return new RepoConfigResult { Problems = [new ConfigProblem(files[^1].Source, "(document)", null, ex.Message)] };
        }
    }

    private static async Task<string?> RawOrNullAsync(IGitHubClient client, string owner, string repo, string path)
    {
        try
        {
            var contents = await client.Repository.Content.GetAllContents(owner, repo, path);
            return contents.Count == 1 ? contents[0].Content : null;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }
}

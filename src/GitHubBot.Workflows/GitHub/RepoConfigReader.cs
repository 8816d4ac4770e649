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

    /// <summary>
    /// Reads the configuration with a contents:read token for each repository it reads: the repository's own, and one
    /// for the organization's .github repository, which the installation may not include (then it has none).
    /// </summary>
    public static async Task<RepoConfigResult> ReadAsync(IGitHubClients clients, RepositoryTarget target, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(target);
        var own = await clients.ForRepositoryAsync(target, GitHubAccess.ReadCode, cancellationToken);
        IGitHubClient? organization;
        try
        {
            // An installation is the account's: the organization's .github repository is asked for under the same one.
            var installation = await clients.InstallationIdAsync(target);
            organization = await clients.ForRepositoryAsync(new RepositoryTarget(target.Owner, ".github", installation), GitHubAccess.ReadCode, cancellationToken);
        }
        catch (Temporalio.Exceptions.ApplicationFailureException ex) when (ex.InnerException is ApiException { StatusCode: System.Net.HttpStatusCode.UnprocessableEntity or System.Net.HttpStatusCode.NotFound })
        {
            // GitHub mints no token for a repository the installation does not include (or that does not exist).
            organization = null;
        }

        var files = new List<ConfigFile>();
        foreach (var (client, owner, repo) in new[] { (organization, target.Owner, ".github"), (own, target.Owner, target.Repo) })
        {
            if (client is null)
            {
                continue;
            }

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

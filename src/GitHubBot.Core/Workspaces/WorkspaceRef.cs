using GitHubBot.Core.Common;

namespace GitHubBot.Core.Workspaces;

/// <summary>The checkout a gate works in: one commit of a repository, in a directory named by <paramref name="Key"/>.</summary>
/// <param name="Key">Names the gate's workspace under the worker's DataDir (safe characters only).</param>
/// <param name="Target">The repository, for the installation token.</param>
/// <param name="CloneUrl">Where the commit is fetched from (https, or file for local repositories).</param>
/// <param name="HeadSha">The commit.</param>
public sealed record WorkspaceRef(string Key, RepositoryTarget Target, string CloneUrl, string HeadSha)
{
    /// <summary>The commit the PR is compared with (its base), for the diff the secret scan and changed-line coverage read; null: unknown.</summary>
    public string? BaseSha { get; init; }
}

using System.Text.Json;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// What an installation token may do: a few GitHub App permissions ("checks": "write"). Every GitHub call and every git
/// fetch or push names the one it needs, and its token is minted for that access on the one repository it acts on
/// (POST /app/installations/{id}/access_tokens with <c>repositories</c> and <c>permissions</c>), so a token that leaks
/// from one step reaches one repository and that step's permissions only — never, for one, <c>workflows</c>.
/// </summary>
public sealed class GitHubAccess
{
    private GitHubAccess(string name, params (string Permission, string Level)[] permissions)
    {
        Name = name;
        Permissions = permissions.OrderBy(p => p.Permission, StringComparer.Ordinal).ToDictionary(p => p.Permission, p => p.Level, StringComparer.Ordinal);
    }

    /// <summary>The repository and its collaborators' permissions (metadata is part of every token).</summary>
    public static GitHubAccess Metadata { get; } = new("metadata", ("metadata", "read"));

    /// <summary>Check runs: created, updated, listed.</summary>
    public static GitHubAccess Checks { get; } = new("checks", ("checks", "write"), ("metadata", "read"));

    /// <summary>Reading files and fetching commits: configuration, git fetch and ls-remote.</summary>
    public static GitHubAccess ReadCode { get; } = new("read-code", ("contents", "read"), ("metadata", "read"));

    /// <summary>Pushing commits and deleting branches (not <c>.github/workflows</c>: that would need <c>workflows</c>).</summary>
    public static GitHubAccess Push { get; } = new("push", ("contents", "write"), ("metadata", "read"));

    /// <summary>
    /// Talking on an issue or a PR: comments, reactions, labels. GitHub takes either permission on a PR's conversation
    /// and only <c>issues</c> on an issue's, and the number alone does not tell which it is.
    /// </summary>
    public static GitHubAccess Conversation { get; } = new("conversation", ("issues", "write"), ("metadata", "read"), ("pull_requests", "write"));

    /// <summary>Reading issues.</summary>
    public static GitHubAccess ReadIssues { get; } = new("read-issues", ("issues", "read"), ("metadata", "read"));

    /// <summary>Opening, editing and closing issues, with their comments and labels.</summary>
    public static GitHubAccess WriteIssues { get; } = new("write-issues", ("issues", "write"), ("metadata", "read"));

    /// <summary>Reading pull requests.</summary>
    public static GitHubAccess ReadPullRequests { get; } = new("read-pull-requests", ("metadata", "read"), ("pull_requests", "read"));

    /// <summary>Opening and editing pull requests.</summary>
    public static GitHubAccess WritePullRequests { get; } = new("write-pull-requests", ("metadata", "read"), ("pull_requests", "write"));

    /// <summary>Recent commits and merged pull requests (an incident's context).</summary>
    public static GitHubAccess ReadHistory { get; } = new("read-history", ("contents", "read"), ("metadata", "read"), ("pull_requests", "read"));

    /// <summary>Merging a pull request.</summary>
    public static GitHubAccess Merge { get; } = new("merge", ("contents", "write"), ("metadata", "read"), ("pull_requests", "write"));

    /// <summary>A short name, for the token cache's key and logs.</summary>
    public string Name { get; }

    /// <summary>Permission → "read" or "write", ordered by permission.</summary>
    public IReadOnlyDictionary<string, string> Permissions { get; }

    /// <summary>The body of the token request: exactly this repository and these permissions.</summary>
    public string TokenRequestBody(string repository) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["repositories"] = new[] { repository }, ["permissions"] = Permissions });

    public override string ToString() => Name;
}

using GitHubBot.Core.Common;

namespace GitHubBot.Core.GitHub;

/// <summary>A repository's default branch, its head, and where git fetches it.</summary>
public sealed record RepositoryInfo(string DefaultBranch, string HeadSha, string CloneUrl);

/// <summary>Input of OpenPullRequest (a retried attempt finds the PR an earlier one opened from the same branch).</summary>
public sealed record OpenPullRequestRequest(RepositoryTarget Target, string Head, string Base, string Title, string Body, bool Draft);

/// <summary>A PR GitHubBot opened: its number, page and GraphQL node ID (marking ready needs it).</summary>
public sealed record PullRequestRef(int Number, string Url, string NodeId);

/// <summary>Input of MergePullRequest: merged only while the head is still <paramref name="Sha"/>.</summary>
public sealed record MergeRequest(RepositoryTarget Target, int Number, string Sha, string Method, string Title);

/// <summary>What a merge attempt did: merged, or why not (GitHub's words).</summary>
public sealed record MergeOutcome(bool Merged, string Message);

/// <summary>Input of UpdatePullRequest: a new body (null: unchanged), closed when <paramref name="Close"/>.</summary>
public sealed record UpdatePullRequestRequest(RepositoryTarget Target, int Number, string? Body, bool Close);

/// <summary>Input of DeleteBranch: deleted only while it still points at <paramref name="ExpectedSha"/> (when given).</summary>
public sealed record DeleteBranchRequest(RepositoryTarget Target, string Branch, string? ExpectedSha = null);

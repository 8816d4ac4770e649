using GitHubBot.Core.Checks;
using GitHubBot.Core.Config;

namespace GitHubBot.Core.Contracts;

/// <summary>Input of the PublishCheckRun activity: a completed check run with all its annotations.</summary>
public sealed record PublishCheckRunRequest(
    RepositoryTarget Target,
    string Name,
    string HeadSha,
    string Conclusion,
    string Title,
    string Summary,
    IReadOnlyList<Annotation> Annotations);

/// <summary>Input of the UpsertStickyComment activity: the one comment found by <paramref name="Marker"/> is edited, or created.</summary>
public sealed record UpsertCommentRequest(RepositoryTarget Target, int IssueNumber, string Marker, string Body);

/// <summary>Result of the FetchRepoConfig activity: the merged configuration as JSON, or what is wrong with it.</summary>
public sealed record RepoConfigResult(string MergedJson, IReadOnlyList<ConfigProblem> Problems);

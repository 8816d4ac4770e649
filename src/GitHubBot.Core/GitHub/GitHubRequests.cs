using GitHubBot.Core.Common;

namespace GitHubBot.Core.GitHub;

/// <summary>Input of the CreateCheckRun activity.</summary>
public sealed record CreateCheckRunRequest(
    RepositoryTarget Target,
    string Name,
    string HeadSha,
    string Status,
    string Title,
    string Summary);

/// <summary>Input of the CompleteCheckRun activity. Conclusion is one of GitHub's check-run conclusions.</summary>
public sealed record CompleteCheckRunRequest(
    RepositoryTarget Target,
    long CheckRunId,
    string Conclusion,
    string Title,
    string Summary)
{
    /// <summary>Buttons on the completed run (at most three; GitHub sends check_run requested_action when one is clicked).</summary>
    public IReadOnlyList<CheckRunButton> Buttons { get; init; } = [];
}

/// <summary>A check-run button: label ≤ 20 characters, description ≤ 40, identifier ≤ 20.</summary>
public sealed record CheckRunButton(string Label, string Description, string Identifier);

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

/// <summary>Input of the Reply activity.</summary>
public sealed record ReplyRequest(RepositoryTarget Target, int IssueNumber, string Body);

/// <summary>Input of the React activity: GitHub's reaction content, e.g. "eyes" or "+1".</summary>
public sealed record ReactionRequest(RepositoryTarget Target, long CommentId, string Content);

/// <summary>Input of the SetLabel activity: the label is added when <paramref name="Present"/>, else removed.</summary>
public sealed record LabelRequest(RepositoryTarget Target, int IssueNumber, string Label, bool Present);

/// <summary>The PR's head as GitHub reports it now (for gates started without a webhook payload).</summary>
public sealed record PullRequestHead(string Sha, string Branch, string CloneUrl, bool FromFork, bool Open)
{
    /// <summary>Whether it was merged (by GitHubBot or by a person).</summary>
    public bool Merged { get; init; }

    /// <summary>The tip of the PR's base branch, what its diff is taken against.</summary>
    public string? BaseSha { get; init; }

    /// <summary>GitHub's author_association of the PR's author; null when GitHub did not say (judged as NONE).</summary>
    public string? AuthorAssociation { get; init; }

    /// <summary>The PR's author is a bot (an App's account).</summary>
    public bool AuthorIsBot { get; init; }
}

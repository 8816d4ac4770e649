using GitHubBot.Core.Agents;

namespace GitHubBot.Core.Contracts;

/// <summary>
/// Input of PlanPatchPrWorkflow (PRODUCT.md §5): an issue of a repository, or a requirement the workflow files as
/// an issue first (so the design, the progress and the PR have a home). New fields get defaults.
/// </summary>
public sealed record PlanPatchPrInput
{
    public required string Owner { get; init; }

    public required string Repo { get; init; }

    public long? InstallationId { get; init; }

    /// <summary>The issue to implement; null when <see cref="Requirement"/> is given alone.</summary>
    public int? IssueNumber { get; init; }

    /// <summary>What to build, when there is no issue yet (the CLI), or extra words given with /plan.</summary>
    public string? Requirement { get; init; }

    /// <summary>Merge when the gate passes: true or false overrides the repository's auto_merge.enabled; null follows it.</summary>
    public bool? AutoMerge { get; init; }

    /// <summary>Who asked (the labeller, the /plan author, the operator), for the progress comment.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>What started it: "label", "/plan" or "cli".</summary>
    public string Trigger { get; init; } = "label";
}

/// <summary>Result of PlanPatchPrWorkflow (PRODUCT.md §5: pr url, qa score, merged).</summary>
public sealed record PlanPatchPrResult
{
    /// <summary>merged, ready (gate passed, not merged), draft (gate failed after the fix rounds), closed, cancelled or rejected.</summary>
    public required string Outcome { get; init; }

    public string? PrUrl { get; init; }

    public int? PrNumber { get; init; }

    /// <summary>The last quality gate's score (0 when no gate ran).</summary>
    public double QaScore { get; init; }

    public bool Merged { get; init; }

    /// <summary>The issue the run worked for (created from the requirement when there was none).</summary>
    public int IssueNumber { get; init; }

    public IReadOnlyList<int> SubIssues { get; init; } = [];

    /// <summary>The branch's head when the run ended.</summary>
    public string? HeadSha { get; init; }

    /// <summary>What happened, in a sentence or two (also in the progress comment).</summary>
    public string Explanation { get; init; } = string.Empty;

    public long TokensUsed { get; init; }

    public int Iterations { get; init; }
}

/// <summary>The Status query of PlanPatchPrWorkflow: the seed's fields first.</summary>
public sealed record PlanPatchPrStatus(bool HasDesign, int IssuesCount, int PatchesCount, bool QaCompleted, bool PrCreated, string? PrUrl)
{
    public string Stage { get; init; } = "starting";

    /// <summary>The issue the run works for (known once it was read, or filed from the requirement).</summary>
    public int? IssueNumber { get; init; }

    public bool WaitingForApproval { get; init; }

    public int FixRound { get; init; }

    public double? QaScore { get; init; }

    public long TokensUsed { get; init; }

    public int Iterations { get; init; }
}

/// <summary>An answer to the design gate (/approve or /reject).</summary>
public sealed record PlanDecision(bool Approved, string By, string? Reason = null);

/// <summary>A GitHub issue as the plan reads and writes it.</summary>
public sealed record IssueInfo(int Number, string Title, string Body, string Url);

/// <summary>Input of CreateIssue; <paramref name="Key"/> is written into the body so a retried attempt finds the issue it created.</summary>
public sealed record CreateIssueRequest(RepositoryTarget Target, string Title, string Body, IReadOnlyList<string> Labels, string Key);

/// <summary>Input of SetTaskList: the part of the issue's body between GitHubBot's markers becomes <paramref name="Markdown"/>.</summary>
public sealed record TaskListRequest(RepositoryTarget Target, int IssueNumber, string Markdown);

/// <summary>Input of CloseIssue: closed as not planned, with <paramref name="Label"/> added and <paramref name="Comment"/> said.</summary>
public sealed record CloseIssueRequest(RepositoryTarget Target, int IssueNumber, string Label, string Comment);

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

/// <summary>
/// A commit of a repository as the agents see it, with patches on top that are not committed yet: the agents'
/// context and their edits' checks read files through it.
/// </summary>
/// <param name="Target">The repository (for the git token).</param>
/// <param name="CloneUrl">Where git fetches the commit.</param>
/// <param name="Sha">The commit.</param>
public sealed record RepoSnapshot(RepositoryTarget Target, string CloneUrl, string Sha);

/// <summary>What an agent is shown of the repository: the tree and named files of the snapshot after the patches, and the config.</summary>
/// <param name="Snapshot">The commit.</param>
/// <param name="Patches">Patches applied on top, in order.</param>
/// <param name="Files">Files to show in full (within limits), most important first.</param>
/// <param name="FilesNamedInTask">Also show files of the tree the task's text names.</param>
/// <param name="Diff">Show the patches as a unified diff (for the reviewer).</param>
public sealed record RepoView(RepoSnapshot Snapshot, IReadOnlyList<Patch> Patches, IReadOnlyList<string> Files, bool FilesNamedInTask = false, bool Diff = false);

/// <summary>Input of CheckPatch: does <paramref name="Candidate"/> apply on the snapshot after <paramref name="Applied"/>?</summary>
public sealed record CheckPatchRequest(RepoSnapshot Snapshot, IReadOnlyList<Patch> Applied, Patch Candidate);

/// <summary>Input of PushPatches: one commit per patch on the snapshot, pushed to <paramref name="Branch"/> (fast-forward only).</summary>
public sealed record PushPatchesRequest(RepoSnapshot Snapshot, IReadOnlyList<Patch> Patches, string Branch);

/// <summary>Input of DeleteBranch: deleted only while it still points at <paramref name="ExpectedSha"/> (when given).</summary>
public sealed record DeleteBranchRequest(RepositoryTarget Target, string Branch, string? ExpectedSha = null);

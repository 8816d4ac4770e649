using GitHubBot.Core.Agents;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.ChangeRequests;

/// <summary>
/// Input of ChangeRequestWorkflow: a change to propose as one pull request — commits on a new branch of a base
/// commit — and how far to take it: the quality gate, the rounds of fixes when it fails, the merge when it passes,
/// and what to undo when it cannot. Plan → patch → PR, incident hotfixes and migrations all hand their change to it.
/// </summary>
public sealed record ChangeRequestInput
{
    public required RepositoryTarget Target { get; init; }

    /// <summary>The commit the change is made on, and where git fetches it.</summary>
    public required RepoSnapshot Base { get; init; }

    /// <summary>The branch the PR goes into (the repository's default branch).</summary>
    public required string BaseBranch { get; init; }

    /// <summary>
    /// The branch the commits are pushed to: under <see cref="ChangeBranches.Namespace"/>, and new — the first push
    /// is refused when the branch exists (see <see cref="ChangeBranches.For"/> for a name no other run uses).
    /// </summary>
    public required string Branch { get; init; }

    /// <summary>One commit per patch, in order, authored by the App.</summary>
    public required IReadOnlyList<Patch> Commits { get; init; }

    public required PullRequestSpec PullRequest { get; init; }

    public GatePolicy Gate { get; init; } = new();

    public FixPolicy Fix { get; init; } = new();

    public MergePolicy Merge { get; init; } = new();

    public UndoPolicy Undo { get; init; } = new();

    /// <summary>
    /// The issues the change may close (the one it was made for, the sub-issues its run opened): any other closing
    /// keyword in the PR's body or the merge's title becomes a reference. Null: not said (changes started before
    /// runs said it), and the texts are taken as they are.
    /// </summary>
    public IReadOnlyList<int>? OwnedIssues { get; init; }
}

/// <summary>The PR to open (a draft, so nobody merges it before the gate has spoken).</summary>
/// <param name="Title">Its title; the merge commit's title is "{Title} (#{number})".</param>
/// <param name="Body">Its body (what it closes, what it does).</param>
public sealed record PullRequestSpec(string Title, string Body)
{
    /// <summary>Labels the PR gets once it is open.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];
}

/// <summary>How the quality gate runs on the branch.</summary>
public sealed record GatePolicy
{
    /// <summary>What the gate's check run says started it, e.g. "plan-patch-pr".</summary>
    public string Trigger { get; init; } = "change-request";

    /// <summary>Let the gate run the checks' own fix commands (a linter's --fix) before any agent is asked.</summary>
    public bool AttemptAutoFix { get; init; } = true;

    public int? RequiredScore { get; init; }

    public int? RequiredCoverage { get; init; }
}

/// <summary>What happens when the gate fails: its failures go back to an agent for a number of rounds.</summary>
public sealed record FixPolicy
{
    /// <summary>Times the gate's failures go back to an agent (0: none).</summary>
    public int Rounds { get; init; }

    /// <summary>The agent role that fixes (its answers are edits).</summary>
    public string Role { get; init; } = "coder";

    /// <summary>What the change is for, as the fixer's task and the fix commits name it, e.g. "#12: Multiply numbers".</summary>
    public string Goal { get; init; } = string.Empty;

    /// <summary>How the fix commits refer to the change's issue, e.g. "#12" ("Fix the quality gate's failures (round 1) for #12").</summary>
    public string Reference { get; init; } = string.Empty;

    /// <summary>Markdown the fixer reads after the failures (the design, the alert, the migration step).</summary>
    public string Context { get; init; } = string.Empty;

    /// <summary>The files the fixer is shown in full.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Times the fixer is asked again when its edits do not apply.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>The agents' budget of the run the change belongs to, with what it already used.</summary>
    public AgentBudget Budget { get; init; } = new();

    /// <summary>Whether the fixer may change test, build and CI configuration (agents.allow_config_edits); refused otherwise.</summary>
    public bool AllowConfigEdits { get; init; }
}

/// <summary>Whether and how the PR is merged once the gate passed.</summary>
public sealed record MergePolicy
{
    public bool Auto { get; init; }

    /// <summary>merge, squash or rebase.</summary>
    public string Method { get; init; } = "merge";

    /// <summary>The score the gate must reach for a merge; null: its own verdict decides.</summary>
    public double? MinScore { get; init; }
}

/// <summary>What becomes of the PR when the gate keeps failing (on failure or cancellation the change is always undone).</summary>
public sealed record UndoPolicy
{
    /// <summary>draft: the PR stays a draft with the failures explained; close: the PR is closed and the branch deleted.</summary>
    public string OnGateFailure { get; init; } = "draft";
}

/// <summary>
/// How far a change request got: the steps people see (branch, pull request, quality gate, merge), notes, and the
/// figures its parent shows. The parent renders it into its own progress comment.
/// </summary>
public sealed record ChangeRequestStatus
{
    public string Stage { get; init; } = "starting";

    public IReadOnlyList<ProgressStep> Steps { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];

    public int FixRound { get; init; }

    public bool QaCompleted { get; init; }

    public double? QaScore { get; init; }

    public PullRequestRef? PullRequest { get; init; }

    /// <summary>The branch's head as the run last pushed it (or the gate's fixes).</summary>
    public string? Head { get; init; }

    /// <summary>Commits on the branch (the change's, then the fixes').</summary>
    public int Commits { get; init; }

    /// <summary>The agents' figures so far, the parent's run included.</summary>
    public AgentUsage Usage { get; init; } = new(0, 0);

    /// <summary>What undoing the change did (newest first), e.g. "closed #12", "deleted the branch `x`".</summary>
    public IReadOnlyList<string> Undone { get; init; } = [];

    /// <summary>The PR stands on its own (it passed, or someone else took it over): nothing of the run may be undone.</summary>
    public bool Kept { get; init; }

    /// <summary>Grows with every update, so a parent keeps the newest of the statuses it was sent.</summary>
    public int Sequence { get; init; }
}

/// <summary>A change request's update to its parent: its status, and the headline of the parent's comment.</summary>
public sealed record ChangeProgress(ChangeRequestStatus Status, string Headline);

/// <summary>Result of ChangeRequestWorkflow.</summary>
public sealed record ChangeRequestResult
{
    /// <summary>merged, ready (gate passed, not merged), draft (gate failed after the fix rounds), closed, stopped (handed over) or cancelled.</summary>
    public required string Outcome { get; init; }

    /// <summary>What happened, in a sentence or two.</summary>
    public required string Explanation { get; init; }

    public required ChangeRequestStatus Status { get; init; }

    public PullRequestRef? PullRequest { get; init; }

    public string? HeadSha { get; init; }

    /// <summary>The last gate's result, when one ran.</summary>
    public QualityGateResult? Gate { get; init; }

    public bool Merged { get; init; }
}

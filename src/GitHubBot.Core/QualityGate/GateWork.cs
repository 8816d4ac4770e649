using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.QualityGate;

/// <summary>Input of PrepareWorkspace: check out the commit and decide which checks run.</summary>
/// <param name="Workspace">The checkout.</param>
/// <param name="Gate">The repository configuration's quality_gate section.</param>
public sealed record PrepareWorkspaceRequest(WorkspaceRef Workspace, QualityGateSection? Gate)
{
    /// <summary>The merged configuration as JSON, in requests scheduled before the configuration was typed.</summary>
    public string? MergedConfigJson { get; init; }

    /// <summary>The quality_gate section to act on, whichever version of the request this is.</summary>
    public QualityGateSection ResolveGate() => Gate ?? (MergedConfigJson is { Length: > 0 } json ? RepoConfig.FromJson(json).QualityGate : new QualityGateSection());
}

/// <summary>Input of RunCheck: one configured or detected check run in its own worktree of the checkout.</summary>
public sealed record RunCheckRequest(WorkspaceRef Workspace, CheckConfig Check);

/// <summary>What one check yielded.</summary>
/// <param name="Name">The check.</param>
/// <param name="State">How it ended.</param>
/// <param name="Score">0–100.</param>
/// <param name="Summary">Markdown: what the report says, and the end of the command's output.</param>
/// <param name="Annotations">Findings in the code (at most <see cref="GitHubText.MaxAnnotationsPerCheckRun"/>).</param>
/// <param name="CoveragePercent">Line coverage, when the check measured it.</param>
/// <param name="DurationSeconds">Wall time of the command.</param>
public sealed record CheckRunResult(
    string Name,
    CheckState State,
    double Score,
    string Summary,
    IReadOnlyList<Annotation> Annotations,
    double? CoveragePercent,
    double DurationSeconds)
{
    /// <summary>Coverage of the lines the PR changed, when the check measured coverage and the PR's diff is known.</summary>
    public ChangedCoverage? ChangedLines { get; init; }
}

/// <summary>Input of ApplyFixes: run the fix commands in the checkout, then push a commit or describe the change.</summary>
/// <param name="Workspace">The checkout.</param>
/// <param name="Fixes">Check name → fix command, for the failing checks that have one.</param>
/// <param name="Push">Push the commit to <paramref name="Branch"/> (same-repository PRs); otherwise only the diff comes back.</param>
/// <param name="Branch">The PR's head branch.</param>
public sealed record ApplyFixesRequest(WorkspaceRef Workspace, IReadOnlyList<FixCommand> Fixes, bool Push, string Branch)
{
    /// <summary>Hand the change back as file edits too (for agents to build on and a later push), instead of pushing it.</summary>
    public bool ReturnEdits { get; init; }
}

/// <summary>A check's fix command.</summary>
public sealed record FixCommand(string Check, string Command, TimeSpan Timeout);

/// <summary>What ApplyFixes did.</summary>
/// <param name="Applied">Fixes whose command changed files (check names).</param>
/// <param name="Failed">Fix commands that failed, with the reason.</param>
/// <param name="Diff">The change as a unified diff (capped), when there is one.</param>
/// <param name="PushedSha">The commit pushed to the PR's branch, when one was.</param>
/// <param name="PushError">Why the push did not happen, when it was asked for and failed.</param>
public sealed record ApplyFixesResult(IReadOnlyList<string> Applied, IReadOnlyList<string> Failed, string? Diff, string? PushedSha, string? PushError)
{
    /// <summary>Why no fix was tried, e.g. the head is GitHubBot's own fix commit.</summary>
    public string? NotAttempted { get; init; }

    /// <summary>The change as whole-file edits, when asked for and it fits (<see cref="ApplyFixesRequest.ReturnEdits"/>).</summary>
    public IReadOnlyList<FileEdit> Edits { get; init; } = [];

    /// <summary>The change was asked for as edits but could not be given so (too large, or not plain files).</summary>
    public bool EditsUnavailable { get; init; }
}

/// <summary>
/// Input of VerifyFix: some checks run again on the PR's head with fixes on top (a commit made in the worker's own
/// repository, never pushed), to see whether the fixes help and hurt nothing.
/// </summary>
/// <param name="Key">A workspace key of its own.</param>
/// <param name="Head">The PR's head.</param>
/// <param name="Patches">The fixes, in order.</param>
/// <param name="Checks">The checks to run again.</param>
/// <param name="DiffOf">The gate's own workspace, whose diff against the PR's base changed-line coverage reads.</param>
public sealed record VerifyFixRequest(string Key, RepoSnapshot Head, IReadOnlyList<Patch> Patches, IReadOnlyList<CheckConfig> Checks, string DiffOf);

/// <summary>Input of SupersedeOlderGates: cancel the running gates of the same PR on other head SHAs (sent by the gate of the PR's current head).</summary>
public sealed record SupersedeRequest(string Owner, string Repo, int PullRequestNumber, string HeadSha, string WorkflowId, string? ParentWorkflowId);

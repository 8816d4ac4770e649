using GitHubBot.Core.Common;

namespace GitHubBot.Core.Workspaces;

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
public sealed record PushPatchesRequest(RepoSnapshot Snapshot, IReadOnlyList<Patch> Patches, string Branch)
{
    /// <summary>
    /// The branch must not exist yet (a run's first push): a branch that exists is someone else's and is left alone,
    /// unless it already points at exactly these commits (an earlier attempt of the same push).
    /// </summary>
    public bool NewBranch { get; init; }
}

/// <summary>
/// Input of Revert: the change from <paramref name="From"/> to <paramref name="To"/> (a merged PR's base and head)
/// undone on top of <paramref name="Onto"/> (the default branch now), as one patch.
/// </summary>
public sealed record RevertRequest(RepoSnapshot Onto, string From, string To, string Message, DateTimeOffset When)
{
    /// <summary>
    /// The head GitHubBot built from <see cref="From"/> (its own commits only): when set, only the files those commits
    /// changed are reverted, so changes someone merged into the PR's branch from the default branch stay.
    /// </summary>
    public string? Own { get; init; }
}

/// <summary>Input of ChangedConfig: the edits of test, build and CI configuration between <paramref name="Base"/> and <paramref name="Head"/> (a commit of the same remote).</summary>
public sealed record ChangedConfigRequest(RepoSnapshot Base, string Head);

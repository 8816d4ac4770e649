using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.GitHub;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>Plan → patch → PR's git work: whether agents' edits apply, and the branch with one commit per patch.</summary>
public sealed class SnapshotActivities(RepoSnapshots snapshots, IGitHubClients clients)
{
    /// <summary>
    /// Whether <see cref="CheckPatchRequest.Candidate"/> applies on the snapshot after the patches already
    /// accepted; the problems (empty when it applies) go back to the agent that wrote it.
    /// </summary>
    [Activity]
    public async Task<IReadOnlyList<string>> CheckPatchAsync(CheckPatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var candidate = request.Candidate.Edits.Select(e => Edits.NormalizePath(e.Path)).ToList();
        var (files, tree) = await snapshots.ApplyAsync(request.Snapshot, request.Applied, _ => candidate, ActivityExecutionContext.Current.CancellationToken);
        var result = tree.Apply(request.Candidate.Edits);
        if (!result.Applies)
        {
            return result.Problems;
        }

        // A file cannot also be a directory (in the tree, in earlier patches, or in this one): git could not commit it.
        var existing = files.Tree.Union(tree.Changed.Keys, StringComparer.Ordinal).Except(tree.Deleted, StringComparer.Ordinal).Except(result.Deleted, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var path in result.Files.Keys.Order(StringComparer.Ordinal))
        {
            if (existing.Any(other => other.StartsWith(path + "/", StringComparison.Ordinal)))
            {
                problems.Add($"{path}: a directory of that name exists; choose another path.");
            }

            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                if (existing.Contains(path[..slash]))
                {
                    problems.Add($"{path}: {path[..slash]} is a file, not a directory.");
                    break;
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// The candidate's edits of test, build and CI configuration (<see cref="ConfigEdits"/>), compared with the files
    /// after the patches already accepted; empty when it has none (or does not apply: CheckPatch says why).
    /// </summary>
    [Activity]
    public async Task<IReadOnlyList<ConfigEdit>> ConfigEditsAsync(CheckPatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var watched = request.Candidate.Edits.Select(e => Edits.NormalizePath(e.Path)).Where(ConfigEdits.Watched).Distinct(StringComparer.Ordinal).ToList();
        if (watched.Count == 0)
        {
            return [];
        }

        var candidate = request.Candidate.Edits.Select(e => Edits.NormalizePath(e.Path)).ToList();
        var (files, tree) = await snapshots.ApplyAsync(request.Snapshot, request.Applied, _ => candidate, ActivityExecutionContext.Current.CancellationToken);
        var tooLarge = watched.Where(p => files.Tree.Contains(p) && !tree.Changed.ContainsKey(p) && !tree.Deleted.Contains(p) && files.Read(p) is null).ToHashSet(StringComparer.Ordinal);
        var before = watched.ToDictionary(p => p, tree.Read, StringComparer.Ordinal);
        var result = tree.Apply(request.Candidate.Edits);
        if (!result.Applies)
        {
            return [];
        }

        var found = ConfigEdits.Find(watched.Except(tooLarge, StringComparer.Ordinal), p => before[p], tree.Read);
        return [.. found.Concat(tooLarge.Select(p => new ConfigEdit(p, TooLarge))).OrderBy(e => e.Path, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The edits of test, build and CI configuration between a change's base and its head, whoever made them (the
    /// change's agents, the gate's fixes, people): a change with any is not merged automatically. More changed files
    /// than <see cref="MaxChangedPaths"/> count as one such edit, as they cannot all be looked at.
    /// </summary>
    [Activity]
    public async Task<IReadOnlyList<ConfigEdit>> ChangedConfigAsync(ChangedConfigRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = ActivityExecutionContext.Current.CancellationToken;
        if (await snapshots.ChangedPathsAsync(request.Base, request.Head, MaxChangedPaths, token) is not { } changed)
        {
            return [new ConfigEdit("(the whole change)", $"more than {MaxChangedPaths} files changed, too many to look at")];
        }

        var watched = changed.Where(ConfigEdits.Watched).ToList();
        if (watched.Count == 0)
        {
            return [];
        }

        var before = await snapshots.ReadAsync(request.Base, watched, token);
        var after = await snapshots.ReadAsync(request.Base with { Sha = request.Head }, watched, token);
        var (beforeTree, afterTree) = (before.Tree.ToHashSet(StringComparer.Ordinal), after.Tree.ToHashSet(StringComparer.Ordinal));
        var tooLarge = watched.Where(p => (beforeTree.Contains(p) && before.Read(p) is null) || (afterTree.Contains(p) && after.Read(p) is null)).ToHashSet(StringComparer.Ordinal);
        var found = ConfigEdits.Find(watched.Except(tooLarge, StringComparer.Ordinal), before.Read, after.Read);
        return [.. found.Concat(tooLarge.Select(p => new ConfigEdit(p, TooLarge))).OrderBy(e => e.Path, StringComparer.Ordinal)];
    }

    /// <summary>The most changed files <see cref="ChangedConfigAsync"/> looks at one by one.</summary>
    public const int MaxChangedPaths = 20_000;

    private const string TooLarge = "too large to compare, so it counts as changed";

    /// <summary>
    /// Commits each patch on the snapshot (one commit per patch, as the App) and pushes the last one to the branch,
    /// fast-forward only; returns the branch's new head. A retry pushes the same commits again.
    /// </summary>
    [Activity]
    public async Task<string> PushPatchesAsync(PushPatchesRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = ActivityExecutionContext.Current.CancellationToken;
        var slug = await clients.AppSlugAsync();
        var sha = await snapshots.CommitAsync(request.Snapshot, request.Patches, ($"{slug}[bot]", $"{slug}[bot]@users.noreply.github.com"), token);
        try
        {
            await snapshots.PushAsync(request.Snapshot, sha, request.Branch, token, request.NewBranch);
        }
        catch (GitCommandException ex) when (ex.Message.Contains("non-fast-forward", StringComparison.Ordinal) || ex.Message.Contains("(fetch first)", StringComparison.Ordinal)
            || request.NewBranch && ex.Message.Contains("(stale info)", StringComparison.Ordinal))
        {
            if (request.NewBranch && await snapshots.RemoteHeadAsync(request.Snapshot, request.Branch, token) == sha)
            {
                // An earlier attempt of this push got there; only its answer was lost.
                return sha;
            }

            throw new ApplicationFailureException(
                request.NewBranch
                    ? $"{request.Branch} already exists and holds commits that are not this run's, so nothing was pushed: {ex.Message}"
                    : $"{request.Branch} moved since GitHubBot last pushed it, so nothing was pushed: {ex.Message}",
                errorType: "BranchMoved",
                nonRetryable: true);
        }

        return sha;
    }

    /// <summary>One patch that undoes a merged change on top of the default branch as it is now (see <see cref="RepoSnapshots.RevertAsync"/>).</summary>
    [Activity]
    public Task<Patch> RevertAsync(RevertRequest request) => snapshots.RevertAsync(request, ActivityExecutionContext.Current.CancellationToken);
}

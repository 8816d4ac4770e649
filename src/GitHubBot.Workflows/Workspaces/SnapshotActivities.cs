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

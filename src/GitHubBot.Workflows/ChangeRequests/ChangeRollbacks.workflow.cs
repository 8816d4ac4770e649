using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.ChangeRequests;

/// <summary>
/// Undoing a change GitHubBot proposed (runs inside workflows): an open PR is closed and its branch deleted; a merged
/// one is reverted as a patch on the default branch, which the caller hands to a change request of its own. Incident
/// hotfixes and migrations undo their PRs this way.
/// </summary>
internal static class ChangeRollbacks
{
    /// <summary>Closes the PR and deletes its branch when it still points at <paramref name="expected"/>; whether the branch was deleted.</summary>
    public static async Task<bool> CloseAsync(RepositoryTarget repository, int number, string branch, string? expected, CancellationToken token)
    {
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.UpdatePullRequestAsync(new UpdatePullRequestRequest(repository, number, null, true)), ActivityPresets.GitHubCall.WithCancellation(token));
        return await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.DeleteBranchAsync(new DeleteBranchRequest(repository, branch, expected ?? string.Empty)), ActivityPresets.GitHubCall.WithCancellation(token));
    }

    /// <summary>
    /// The change from <paramref name="from"/> to <paramref name="to"/> reverted on the default branch as it is now
    /// (only the files <paramref name="own"/>'s commits changed, when given): the repository, the commit it goes on,
    /// and the patch — or, when it no longer applies, why.
    /// </summary>
    public static async Task<(RepositoryInfo Info, RepoSnapshot Now, Patch? Revert, string? Conflict)> RevertAsync(
        RepositoryTarget repository, string from, string to, string? own, string message, CancellationToken token)
    {
        var info = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetRepositoryAsync(repository), ActivityPresets.GitHubCall.WithCancellation(token));
        var now = new RepoSnapshot(repository, info.CloneUrl, info.HeadSha);
        try
        {
            var request = new RevertRequest(now, from, to, message, Workflow.UtcNow) { Own = own };
            return (info, now, await Workflow.ExecuteActivityAsync((SnapshotActivities snapshots) => snapshots.RevertAsync(request), ActivityPresets.Repo.WithCancellation(token)), null);
        }
        catch (ActivityFailureException ex) when (Failures.Cause(ex) is { ErrorType: "RevertConflicts" } conflict)
        {
            return (info, now, null, Failures.Said(conflict));
        }
    }
}

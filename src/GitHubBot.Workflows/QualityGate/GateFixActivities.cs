using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Temporalio.Activities;

namespace GitHubBot.Workflows.QualityGate;

/// <summary>
/// Checks an agent's fix before the gate keeps it: the PR's head with the fixes on top is committed in the worker's
/// own repository (never pushed), checked out into a workspace of its own, and the chosen checks run there with the
/// gate's runner, changed-line coverage measured against the PR's own diff.
/// </summary>
public sealed class GateFixActivities(RepoSnapshots snapshots, GateActivities gate)
{
    [Activity]
    public Task<IReadOnlyList<CheckRunResult>> VerifyFixAsync(VerifyFixRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Heartbeats.RunAsync(token => VerifyFixAsync(request, token));
    }

    private async Task<IReadOnlyList<CheckRunResult>> VerifyFixAsync(VerifyFixRequest request, CancellationToken token)
    {
        var sha = await snapshots.CommitAsync(request.Head, request.Patches, ("GitHubBot", "ghbot@localhost"), token);
        var url = await snapshots.LocalUrlAsync(request.Head, token);
        var workspace = new WorkspaceRef(request.Key, request.Head.Target, url.AbsoluteUri, sha);
        try
        {
            await gate.CheckOutAsync(workspace, token);

            // The fixes add tests, not production lines: the PR's changed lines are still the ones to cover.
            await gate.AdoptDiffAsync(request.DiffOf, request.Key, token);
            return await Task.WhenAll(request.Checks.Select(check => gate.RunCheckAsync(new RunCheckRequest(workspace, check))));
        }
        finally
        {
            await gate.RemoveWorkspaceAsync(request.Key);
        }
    }
}

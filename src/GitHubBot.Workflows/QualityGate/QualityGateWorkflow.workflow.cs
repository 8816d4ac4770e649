using GitHubBot.Core.Contracts;
using GitHubBot.Workflows.GitHub;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.QualityGate;

/// <summary>
/// The quality gate of one PR head (PRODUCT.md §5). This version reports the gate on the PR: it opens the
/// "GitHubBot / quality gate" check run as in progress, then closes it as neutral saying that no checks are
/// configured to run yet. Running the checks, scoring and auto-fix come with the quality-gate work.
/// </summary>
[Workflow]
public sealed class QualityGateWorkflow
{
    private string stage = "starting";
    private long? checkRunId;

    [WorkflowRun]
    public async Task<QualityGateResult> RunAsync(QualityGateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var target = new RepositoryTarget(input.Owner, input.Repo, input.InstallationId);

        stage = "reporting";
        var id = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CreateCheckRunAsync(new CreateCheckRunRequest(
                target,
                CheckRunNames.QualityGate,
                input.HeadSha,
                "in_progress",
                "Quality gate started",
                $"GitHubBot is checking `{ShortSha(input.HeadSha)}` of #{input.PullRequestNumber} ({input.Trigger}).")),
            ActivityOptionsCatalog.GitHubCall);
        checkRunId = id;

        stage = "completing";
        const string blocking = "No checks are configured to run in this version of GitHubBot.";
        await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CompleteCheckRunAsync(new CompleteCheckRunRequest(
                target,
                id,
                "neutral",
                "No checks ran",
                blocking)),
            ActivityOptionsCatalog.GitHubCall);

        stage = "done";
        return new QualityGateResult
        {
            OverallScore = 0,
            CanMerge = false,
            Conclusion = "neutral",
            CheckRunId = id,
            BlockingIssues = [blocking],
        };
    }

    [WorkflowQuery]
    public QualityGateStatus Status => new(stage, 0, 0, checkRunId);

    private static string ShortSha(string sha) => sha.Length > 7 ? sha[..7] : sha;
}

using GitHubBot.Core.Contracts;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
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
        if (input is null)
        {
            throw new ApplicationFailureException("QualityGateWorkflow needs an input.", errorType: "InvalidInput", nonRetryable: true);
        }

        var target = new RepositoryTarget(input.Owner, input.Repo, input.InstallationId);
        try
        {
            return await GateAsync(input, target);
        }
        catch (Exception ex) when (checkRunId is { } openRun && stage != "done")
        {
            // Never leave the check run in progress: close it on a token of its own, since the workflow's own
            // token is already cancelled when the gate was cancelled. A failure here is logged, not thrown.
            var cancelled = TemporalException.IsCanceledException(ex);
            using var detached = new CancellationTokenSource();
            var options = ActivityOptionsCatalog.GitHubCall;
            options.CancellationToken = detached.Token;
            options.ScheduleToCloseTimeout = TimeSpan.FromMinutes(5);
            try
            {
                await Workflow.ExecuteActivityAsync(
                    (GitHubActivities github) => github.CompleteCheckRunAsync(new CompleteCheckRunRequest(
                        target,
                        openRun,
                        cancelled ? "cancelled" : "failure",
                        cancelled ? "Quality gate cancelled" : "Quality gate failed",
                        cancelled ? "The gate was cancelled before it finished." : $"The gate could not finish: {ex.Message}")),
                    options);
            }
            catch (ActivityFailureException closeFailure)
            {
                Workflow.Logger.LogWarning(closeFailure, "Could not close check run {CheckRunId} after the gate ended early", openRun);
            }

            throw;
        }
    }

    private async Task<QualityGateResult> GateAsync(QualityGateInput input, RepositoryTarget target)
    {
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

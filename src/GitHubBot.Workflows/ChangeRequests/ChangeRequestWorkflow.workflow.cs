using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.ChangeRequests;

/// <summary>
/// One change proposed as one pull request, taken as far as its policies allow: commits on a new branch, a draft PR,
/// the quality gate as a child, an agent's fixes while it fails, then ready for review and the merge — or the PR
/// left as a draft, or undone (<see cref="ChangePipeline"/>). Plan → patch → PR, incident hotfixes and migrations
/// start it as their child (<see cref="ChangeRequestChild"/>); it reports its progress to its parent with the
/// <see cref="ChangeRequestSignals.Progress"/> signal, so the parent's one comment shows every step.
/// </summary>
/// <remarks>
/// A cancel (the parent's, or the <c>Cancel</c> signal) undoes what it made and completes with the outcome
/// <c>cancelled</c>, saying what was undone; a failure undoes it too and fails with the cause's type and words, its
/// last status in the failure's details.
/// </remarks>
[Workflow]
public sealed class ChangeRequestWorkflow
{
    private readonly StopSwitch stop = new();
    private ChangePipeline? pipeline;

    [WorkflowRun]
    public async Task<ChangeRequestResult> RunAsync(ChangeRequestInput input)
    {
        if (input is null || input.Commits is not { Count: > 0 } || string.IsNullOrWhiteSpace(input.Branch) || input.Branch == input.BaseBranch)
        {
            throw new ApplicationFailureException(
                "ChangeRequestWorkflow needs commits and a branch of its own (not the base branch).", errorType: "InvalidInput", nonRetryable: true);
        }

        var agents = new AgentSession(input.Fix.Budget, input.Fix.Attempts);
        pipeline = new ChangePipeline(input, agents, ReportAsync, legacy: false);
        try
        {
            return await stop.RunAsync(pipeline.RunAsync);
        }
        catch (Exception ex) when (stop.IsStop(ex))
        {
            var why = stop.Reason ?? "The change request was cancelled.";
            var undone = await pipeline.UndoAsync(why);
            return new ChangeRequestResult
            {
                Outcome = "cancelled",
                Explanation = $"{why} {ChangeTexts.Undone(undone)}".Trim(),
                Status = pipeline.Status,
                PullRequest = pipeline.Status.PullRequest,
                HeadSha = pipeline.Status.Head,
            };
        }
        catch (Exception ex) when (!Failures.IsCancellation(ex) && ex is not InvalidWorkflowOperationException)
        {
            var cause = Failures.Cause(ex);
            var why = cause?.Message ?? Failures.Reason(ex);
            await pipeline.UndoAsync(why);

            // Fails with the cause's words and type (BudgetExhausted, ChangeTooLarge, …) and the last status, so the
            // parent explains it as if it had happened in its own run and knows what was undone.
            throw new ApplicationFailureException(why, ex, errorType: cause?.ErrorType ?? "ChangeFailed", nonRetryable: true, details: [pipeline.Status]);
        }
    }

    /// <summary>Stops the change: its gate and fixer are cancelled, and the branch and PR it made are undone.</summary>
    [WorkflowSignal(WorkflowSignals.Cancel)]
    public Task CancelAsync(string? reason)
    {
        stop.Stop(reason);
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public ChangeRequestStatus Status => pipeline?.Status ?? new ChangeRequestStatus();

    /// <summary>Sends the parent (when there is one) the status with a headline for its progress comment.</summary>
    private async Task ReportAsync(string headline)
    {
        if (Workflow.Info.Parent is not { } parent || pipeline is null)
        {
            return;
        }

        try
        {
            await Workflow.GetExternalWorkflowHandle(parent.WorkflowId, parent.RunId)
                .SignalAsync(ChangeRequestSignals.Progress, [new ChangeProgress(pipeline.Status, headline)]);
        }
        catch (FailureException ex) when (!Failures.IsCancellation(ex))
        {
            // The parent has ended: nobody waits for the news.
            Workflow.Logger.LogWarning(ex, "Could not tell {Parent} about the change's progress", parent.WorkflowId);
        }
    }
}

/// <summary>The signal a change request sends its parent.</summary>
public static class ChangeRequestSignals
{
    /// <summary>A <see cref="ChangeProgress"/>: the change's status and a headline for the parent's progress comment.</summary>
    public const string Progress = "ChangeProgress";
}

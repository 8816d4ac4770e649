using GitHubBot.Core.Agents;
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
/// left as a draft, or undone (<see cref="ChangePipeline"/>). Plan → patch → PR and the incident swarm (hotfixes,
/// reverts, postmortems) start it as their child (<see cref="ChangeRequestChild"/>), as code migrations will; it
/// reports its progress to its parent with the
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
    /// <summary>The most an agent budget handed to a change may allow, whatever its input says.</summary>
    public static readonly AgentBudget BudgetCeiling = new() { MaxTokens = 10_000_000, MaxCalls = 500 };

    private readonly StopSwitch stop = new();
    private readonly List<Task> reports = [];
    private ChangePipeline? pipeline;

    [WorkflowRun]
    public async Task<ChangeRequestResult> RunAsync(ChangeRequestInput input)
    {
        if (Problem(input) is { } problem)
        {
            throw new ApplicationFailureException($"ChangeRequestWorkflow cannot run this input: {problem}", errorType: "InvalidInput", nonRetryable: true);
        }

        var budget = input.Fix.Budget with
        {
            MaxTokens = Math.Min(input.Fix.Budget.MaxTokens, BudgetCeiling.MaxTokens),
            MaxCalls = Math.Min(input.Fix.Budget.MaxCalls, BudgetCeiling.MaxCalls),
        };
        var agents = new AgentSession(budget, Math.Clamp(input.Fix.Attempts, 1, 10), input.Fix.AllowConfigEdits);
        pipeline = new ChangePipeline(input, agents, ReportAsync, () => ReportAsync(string.Empty), legacy: false);
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
            var why = Failures.Said(ex);
            await pipeline.UndoAsync(why);

            // Fails with the cause's words and type (BudgetExhausted, ChangeTooLarge, …) and the last status, so the
            // parent explains it as if it had happened in its own run and knows what was undone.
            throw new ApplicationFailureException(why, ex, errorType: cause?.ErrorType ?? "ChangeFailed", nonRetryable: true, details: [pipeline.Status]);
        }
        finally
        {
            // The parent's news went out with the commands that followed it; they have reached it long since.
            await DeliveredAsync();
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

    /// <summary>
    /// What is wrong with an input (anyone who reaches Temporal can start this workflow), or null: the policies are
    /// all there, the change is of the repository it names, and its branch is one of GitHubBot's own.
    /// </summary>
    private static string? Problem(ChangeRequestInput? input) => input switch
    {
        null => "no input.",
        { Target: null } or { Base: null } or { PullRequest: null } or { Gate: null } or { Fix: null } or { Merge: null } or { Undo: null } or { Fix.Budget: null }
            => "the target, base, pull request and every policy are required.",
        { Commits: not { Count: > 0 } } => "there are no commits.",
        _ when input.Base.Target != input.Target => "the base is not a commit of the target repository.",
        _ when string.IsNullOrWhiteSpace(input.Branch) || !input.Branch.StartsWith(ChangeBranches.Namespace, StringComparison.Ordinal) || input.Branch == input.BaseBranch
            => $"the branch must be one of GitHubBot's own ({ChangeBranches.Namespace}…), not the base branch.",
        _ when input.Undo.OnGateFailure is not ("draft" or "close") => "undo.on_gate_failure must be draft or close.",
        _ => null,
    };

    /// <summary>
    /// Sends the parent (when there is one) the status with a headline for its progress comment (empty: keep the
    /// comment's). The signal goes out with the change's next command and is not waited for: the change goes on.
    /// </summary>
    private Task ReportAsync(string headline)
    {
        if (Workflow.Info.Parent is { } parent && pipeline is not null)
        {
            reports.Add(SignalAsync(parent.WorkflowId, parent.RunId, new ChangeProgress(pipeline.Status, headline)));
        }

        return Task.CompletedTask;
    }

    private static async Task SignalAsync(string workflowId, string? runId, ChangeProgress progress)
    {
        try
        {
            await Workflow.GetExternalWorkflowHandle(workflowId, runId).SignalAsync(ChangeRequestSignals.Progress, [progress], new() { CancellationToken = CancellationToken.None });
        }
        catch (FailureException ex) when (!Failures.IsCancellation(ex))
        {
            // The parent has ended: nobody waits for the news.
            Workflow.Logger.LogWarning(ex, "Could not tell {Parent} about the change's progress", workflowId);
        }
    }

    private async Task DeliveredAsync()
    {
        try
        {
            await Workflow.WhenAllAsync(reports);
        }
        catch (Exception ex) when (Failures.IsCancellation(ex))
        {
            // Cancelled with the change: the parent hears of it from the result.
        }
    }
}

/// <summary>The signal a change request sends its parent.</summary>
public static class ChangeRequestSignals
{
    /// <summary>A <see cref="ChangeProgress"/>: the change's status and a headline for the parent's progress comment (empty: none).</summary>
    public const string Progress = "ChangeProgress";
}

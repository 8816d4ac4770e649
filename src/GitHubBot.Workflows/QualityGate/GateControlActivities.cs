using GitHubBot.Core.Contracts;
using GitHubBot.Core.Workflows;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.QualityGate;

/// <summary>Gates acting on other gates through Temporal: a newer head of a PR replaces the older gates of that PR.</summary>
public sealed partial class GateControlActivities(ITemporalClient temporal, TemporalUiLinks links, ILogger<GateControlActivities> logger)
{
    /// <summary>
    /// Signals every running gate of the same PR that checks another head SHA to stop, naming this gate (the gate of
    /// the PR's current head) as the one that replaces it. Returns the IDs of the gates it signalled.
    /// </summary>
    [Activity]
    public async Task<IReadOnlyList<string>> SupersedeOlderGatesAsync(SupersedeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prefix = WorkflowIds.QualityGatePrefix(request.Owner, request.Repo, request.PullRequestNumber);
        var query = $"WorkflowType = '{WorkflowTypes.QualityGate}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '{Escape(prefix)}'";
        var signalled = new List<string>();
        await foreach (var gate in temporal.ListWorkflowsAsync(query))
        {
            var sha = gate.Id[prefix.Length..].Split('/')[0];
            if (gate.Id == request.WorkflowId || gate.Id == request.ParentWorkflowId || sha == request.HeadSha)
            {
                continue;
            }

            var cancel = new CancelGate(
                $"A newer commit ({Short(request.HeadSha)}) was pushed to the pull request; its gate replaces this one.",
                request.WorkflowId,
                links.WorkflowUrl(request.WorkflowId)?.ToString());
            try
            {
                await temporal.GetWorkflowHandle(gate.Id, gate.RunId).SignalAsync(WorkflowSignals.Cancel, [cancel]);
                signalled.Add(gate.Id);
                LogSuperseded(logger, gate.Id, request.WorkflowId);
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
            {
                // It finished between the listing and the signal: nothing to stop.
            }
        }

        return signalled;
    }

    /// <summary>
    /// The gates of a PR, newest first (at most 20): whether each still runs and, for running ones, its Status query.
    /// </summary>
    [Activity]
    public async Task<IReadOnlyList<GateInfo>> DescribeGatesAsync(string owner, string repo, int pullRequest)
    {
        var prefix = WorkflowIds.QualityGatePrefix(owner, repo, pullRequest);
        var query = $"WorkflowType = '{WorkflowTypes.QualityGate}' AND WorkflowId STARTS_WITH '{Escape(prefix)}'";
        var gates = new List<GateInfo>();
        await foreach (var gate in temporal.ListWorkflowsAsync(query, new() { Limit = 20 }))
        {
            var running = gate.Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running;
            QualityGateStatus? status = null;
            if (running)
            {
                try
                {
                    status = await temporal.GetWorkflowHandle<QualityGateWorkflow>(gate.Id, gate.RunId).QueryAsync(wf => wf.Status);
                }
                catch (Exception ex) when (ex is WorkflowQueryFailedException or RpcException)
                {
                    // A gate no worker can answer for right now: listed without its status.
                }
            }

            gates.Add(new GateInfo(gate.Id, running, status, links.WorkflowUrl(gate.Id)?.ToString()));
        }

        return [.. gates.OrderByDescending(g => g.Running)];
    }

    /// <summary>The plan → patch → PR run of an issue (its latest run), with its status while it runs; null when there was none.</summary>
    [Activity]
    public async Task<PlanInfo?> DescribePlanAsync(string owner, string repo, int issue)
    {
        var id = WorkflowIds.PlanPatchPr(owner, repo, issue);
        var handle = temporal.GetWorkflowHandle<PlanPatchPr.PlanPatchPrWorkflow>(id);
        Temporalio.Client.WorkflowExecutionDescription description;
        try
        {
            description = await handle.DescribeAsync();
        }
        catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
        {
            return await RequirementPlanAsync(owner, repo, issue);
        }

        var running = description.Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running;
        PlanPatchPrStatus? status = null;
        if (running)
        {
            try
            {
                status = await handle.QueryAsync(wf => wf.Status);
            }
            catch (Exception ex) when (ex is WorkflowQueryFailedException or RpcException)
            {
                // No worker can answer for it right now: described without its status.
            }
        }

        return new PlanInfo(id, running, status, links.WorkflowUrl(id)?.ToString());
    }

    /// <summary>
    /// The running plan an operator started from a requirement alone (its ID names the requirement, not the issue
    /// it filed): found by the issue its Status reports.
    /// </summary>
    private async Task<PlanInfo?> RequirementPlanAsync(string owner, string repo, int issue)
    {
        var prefix = WorkflowIds.PlanPatchPrRequirementPrefix(owner, repo);
        var query = $"WorkflowType = '{WorkflowTypes.PlanPatchPr}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '{Escape(prefix)}'";
        await foreach (var plan in temporal.ListWorkflowsAsync(query, new() { Limit = 20 }))
        {
            try
            {
                var status = await temporal.GetWorkflowHandle<PlanPatchPr.PlanPatchPrWorkflow>(plan.Id, plan.RunId).QueryAsync(wf => wf.Status);
                if (status.IssueNumber == issue)
                {
                    return new PlanInfo(plan.Id, true, status, links.WorkflowUrl(plan.Id)?.ToString());
                }
            }
            catch (Exception ex) when (ex is WorkflowQueryFailedException or RpcException)
            {
                // Cannot tell which issue it works for right now.
            }
        }

        return null;
    }

    /// <summary>
    /// Waits for the result of a gate that was started elsewhere (the PR's webhook got there before a parent
    /// workflow could start it as its child), heartbeating so the wait stops when the caller is cancelled.
    /// </summary>
    [Activity]
    public async Task<QualityGateResult> AwaitGateAsync(string workflowId)
    {
        try
        {
            return await GateActivities.WithHeartbeatsAsync(token => temporal.GetWorkflowHandle<QualityGateWorkflow>(workflowId)
                .GetResultAsync<QualityGateResult>(rpcOptions: new() { CancellationToken = token }));
        }
        catch (WorkflowFailedException ex) when (TemporalException.IsCanceledException(ex.InnerException!))
        {
            // Cancelled through Temporal: what a gate stopped by someone else says.
            return new QualityGateResult { OverallScore = 0, CanMerge = false, Conclusion = "cancelled", BlockingIssues = [$"The gate {workflowId} was cancelled through Temporal."] };
        }
        catch (WorkflowFailedException ex)
        {
            throw new ApplicationFailureException($"The gate {workflowId} failed: {Failures.Reason(ex)}", errorType: "GateFailed", nonRetryable: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gate {Older} superseded by {Newer}")]
    private static partial void LogSuperseded(ILogger logger, string older, string newer);

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;
}

/// <summary>Signal names other code sends to workflows.</summary>
public static class WorkflowSignals
{
    public const string OkToTest = "OkToTest";

    /// <summary>Stops a gate (argument: a CancelGate) or a plan → patch → PR run (argument: the reason).</summary>
    public const string Cancel = "Cancel";

    /// <summary>Answers a plan's design gate (argument: who approved).</summary>
    public const string Approve = "Approve";

    /// <summary>Answers a plan's design gate (argument: who rejected it and why).</summary>
    public const string Reject = "Reject";
}

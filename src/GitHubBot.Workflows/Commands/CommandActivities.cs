using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Workflows.CodeMigration;
using GitHubBot.Workflows.IncidentSwarm;
using GitHubBot.Workflows.PlanPatchPr;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Commands;

/// <summary>What the command workflow asks Temporal about other workflows: the gates of a PR, the plan or migration of an issue, an incident.</summary>
public sealed class CommandActivities(ITemporalClient temporal, TemporalUiLinks links)
{
    /// <summary>
    /// The gates of a PR, newest first (at most 20): whether each still runs and, for running ones, its Status query.
    /// </summary>
    [Activity]
    public async Task<IReadOnlyList<GateInfo>> DescribeGatesAsync(string owner, string repo, int pullRequest)
    {
        var prefix = WorkflowIds.QualityGatePrefix(owner, repo, pullRequest);
        var query = $"WorkflowType = '{WorkflowTypes.QualityGate}' AND WorkflowId STARTS_WITH '{VisibilityQuery.Escape(prefix)}'";
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

            gates.Add(new GateInfo(gate.Id, running, status, links.WorkflowUrl(gate.Id)?.ToString()) { StartedAt = gate.StartTime });
        }

        return [.. gates.OrderByDescending(g => g.Running)];
    }

    /// <summary>The plan → patch → PR run of an issue (its latest run), with its status while it runs; null when there was none.</summary>
    [Activity]
    public async Task<PlanInfo?> DescribePlanAsync(string owner, string repo, int issue)
    {
        var id = WorkflowIds.PlanPatchPr(owner, repo, issue);
        var handle = temporal.GetWorkflowHandle<PlanPatchPrWorkflow>(id);
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

    /// <summary>The incident with this ID (its latest run), with its status while it runs; null when there is none.</summary>
    [Activity]
    public async Task<IncidentInfo?> DescribeIncidentAsync(string workflowId)
    {
        var handle = temporal.GetWorkflowHandle<IncidentSwarmWorkflow>(workflowId);
        Temporalio.Client.WorkflowExecutionDescription description;
        try
        {
            description = await handle.DescribeAsync();
        }
        catch (RpcException ex) when (ex.Code is RpcException.StatusCode.NotFound or RpcException.StatusCode.InvalidArgument)
        {
            return null;
        }

        if (description.WorkflowType != WorkflowTypes.IncidentSwarm)
        {
            return null;
        }

        var running = description.Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running;
        IncidentStatus? status = null;
        IncidentResult? result = null;
        try
        {
            if (running)
            {
                status = await handle.QueryAsync(wf => wf.Status);
            }
            else if (description.Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Completed)
            {
                result = await handle.GetResultAsync<IncidentResult>();
            }
        }
        catch (Exception ex) when (ex is WorkflowQueryFailedException or RpcException or WorkflowFailedException)
        {
            // No worker can answer for it right now, or it did not complete: described without its status.
        }

        return new IncidentInfo(workflowId, running, status, links.WorkflowUrl(workflowId)?.ToString())
        {
            IssueUrl = status?.IssueUrl ?? result?.IssueUrl,
            HotfixPrUrl = status?.HotfixPrUrl ?? result?.HotfixPrUrl,
        };
    }

    /// <summary>
    /// The migration of an issue: the running one that reports it, else the newest that ended with it in its result
    /// (a running one first; at most 20 migrations of the repository looked at); null when there is none.
    /// </summary>
    [Activity]
    public async Task<MigrationInfo?> DescribeMigrationAsync(string owner, string repo, int issue)
    {
        var prefix = WorkflowIds.CodeMigrationPrefix(owner, repo);
        var query = $"WorkflowType = '{WorkflowTypes.CodeMigration}' AND WorkflowId STARTS_WITH '{VisibilityQuery.Escape(prefix)}'";
        MigrationInfo? ended = null;
        await foreach (var migration in temporal.ListWorkflowsAsync(query, new() { Limit = 20 }))
        {
            var handle = temporal.GetWorkflowHandle<CodeMigrationWorkflow>(migration.Id, migration.RunId);
            try
            {
                if (migration.Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running)
                {
                    var status = await handle.QueryAsync(wf => wf.Status);
                    if (status.IssueNumber == issue)
                    {
                        return new MigrationInfo(migration.Id, true, status, null, links.WorkflowUrl(migration.Id)?.ToString());
                    }
                }
                else if (migration.Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Completed && ended is null)
                {
                    var result = await handle.GetResultAsync<CodeMigrationResult>();
                    if (result.IssueNumber == issue)
                    {
                        ended = new MigrationInfo(migration.Id, false, null, result, links.WorkflowUrl(migration.Id)?.ToString());
                    }
                }
                else if (ended is null)
                {
                    // Failed, terminated or timed out: no result, but the status it ended with (replayed by a worker).
                    var status = await handle.QueryAsync(wf => wf.Status);
                    if (status.IssueNumber == issue)
                    {
                        ended = new MigrationInfo(migration.Id, false, status, null, links.WorkflowUrl(migration.Id)?.ToString());
                    }
                }
            }
            catch (Exception ex) when (ex is WorkflowQueryFailedException or RpcException or WorkflowFailedException)
            {
                // Cannot tell which issue it works for right now.
            }
        }

        return ended;
    }

    /// <summary>
    /// The running plan an operator started from a requirement alone (its ID names the requirement, not the issue
    /// it filed): found by the issue its Status reports.
    /// </summary>
    private async Task<PlanInfo?> RequirementPlanAsync(string owner, string repo, int issue)
    {
        var prefix = WorkflowIds.PlanPatchPrRequirementPrefix(owner, repo);
        var query = $"WorkflowType = '{WorkflowTypes.PlanPatchPr}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '{VisibilityQuery.Escape(prefix)}'";
        await foreach (var plan in temporal.ListWorkflowsAsync(query, new() { Limit = 20 }))
        {
            try
            {
                var status = await temporal.GetWorkflowHandle<PlanPatchPrWorkflow>(plan.Id, plan.RunId).QueryAsync(wf => wf.Status);
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
}

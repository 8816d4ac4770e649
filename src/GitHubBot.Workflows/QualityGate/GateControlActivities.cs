using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;
using GitHubBot.Workflows.Temporal;
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
        var query = $"WorkflowType = '{WorkflowTypes.QualityGate}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '{VisibilityQuery.Escape(prefix)}'";
        var signalled = new List<string>();
        await foreach (var gate in temporal.ListWorkflowsAsync(query))
        {
            var sha = gate.Id[prefix.Length..].Split('/')[0];
            if (gate.Id == request.WorkflowId || gate.Id == request.ParentWorkflowId || sha == request.HeadSha)
            {
                continue;
            }

            var cancel = new CancelGate(
                $"A newer commit ({Shas.Abbreviate(request.HeadSha)}) was pushed to the pull request; its gate replaces this one.",
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
    /// Waits for the result of a gate that was started elsewhere (the PR's webhook got there before a parent
    /// workflow could start it as its child), heartbeating so the wait stops when the caller is cancelled.
    /// </summary>
    [Activity]
    public async Task<QualityGateResult> AwaitGateAsync(string workflowId)
    {
        try
        {
            return await Heartbeats.RunAsync(token => temporal.GetWorkflowHandle<QualityGateWorkflow>(workflowId)
                .GetResultAsync<QualityGateResult>(rpcOptions: new() { CancellationToken = token }));
        }
        catch (WorkflowFailedException ex) when (TemporalException.IsCanceledException(ex.InnerException!))
        {
            // Cancelled through Temporal: what a gate stopped by someone else says.
            return QualityGateResult.Cancelled($"The gate {workflowId} was cancelled through Temporal.");
        }
        catch (WorkflowFailedException ex)
        {
            throw new ApplicationFailureException($"The gate {workflowId} failed: {Failures.Reason(ex)}", errorType: "GateFailed", nonRetryable: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gate {Older} superseded by {Newer}")]
    private static partial void LogSuperseded(ILogger logger, string older, string newer);
}

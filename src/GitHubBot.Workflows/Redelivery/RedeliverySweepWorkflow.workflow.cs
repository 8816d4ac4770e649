using GitHubBot.Core.Redelivery;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Redelivery;

/// <summary>
/// One sweep of the App's webhook delivery log, started by the redelivery Schedule (every Redelivery:Interval, a run
/// skipped while the last one still runs). GitHub never redelivers a failed delivery by itself; the sweep asks it to,
/// once per GUID, for the failed deliveries of the window that the intake did not accept after all, at most
/// MaxPerSweep of them (the rest are left for the next sweep), one request at a time, at least
/// PauseBetweenRequests apart.
/// <para>
/// The history stays small: one activity reads and sorts the whole log (its pages never reach the history: counts
/// and at most MaxPerSweep small entries do), then one activity per redelivery. One activity per request, rather than a
/// heartbeating batch, lets each be retried on its own after the wait GitHub asked for (Retry-After as the failure's
/// next retry delay — no worker sleeps through a rate limit, and a retry never repeats requests already made); a
/// refused one (e.g. too old by now) is counted and the others go on. About 8 events a redelivery (with its pause):
/// some 800 for the default MaxPerSweep of 100.
/// </para>
/// </summary>
[Workflow]
public sealed class RedeliverySweepWorkflow
{
    private FailedDeliveries? found;
    private int requested;
    private int refused;

    [WorkflowRun]
    public async Task<RedeliverySweepResult> RunAsync(RedeliverySweepInput input)
    {
        if (input is null || input.Window <= TimeSpan.Zero || input.MaxPerSweep is < 1 or > RedeliveryLimits.MostPerSweep
            || input.MaxPages is < 1 or > RedeliveryLimits.MostPages || input.PauseBetweenRequests < TimeSpan.Zero || input.PauseBetweenRequests > TimeSpan.FromMinutes(1))
        {
            throw new ApplicationFailureException(
                $"A sweep needs a positive window, MaxPerSweep from 1 to {RedeliveryLimits.MostPerSweep}, MaxPages from 1 to {RedeliveryLimits.MostPages} and a pause of at most a minute.",
                errorType: "InvalidInput",
                nonRetryable: true);
        }

        // GitHub redelivers nothing older than its window: looking further back would only list what cannot be had.
        var window = input.Window < RedeliveryLimits.GitHubWindow ? input.Window : RedeliveryLimits.GitHubWindow;
        var request = new ListFailedDeliveriesRequest(Workflow.UtcNow - window, input.MaxPages, input.MaxPerSweep);
        found = await Workflow.ExecuteActivityAsync((RedeliveryActivities github) => github.ListFailedDeliveriesAsync(request), ActivityPresets.GitHubPaging);

        foreach (var candidate in found.Candidates)
        {
            // The pause runs alongside the request: requests start at least PauseBetweenRequests apart.
            var pause = input.PauseBetweenRequests > TimeSpan.Zero ? Workflow.DelayAsync(input.PauseBetweenRequests) : Task.CompletedTask;
            try
            {
                await Workflow.ExecuteActivityAsync((RedeliveryActivities github) => github.RequestRedeliveryAsync(candidate), ActivityPresets.GitHubCall);
                requested++;
            }
            catch (ActivityFailureException ex)
            {
                refused++;
                Workflow.Logger.LogWarning(ex, "GitHub did not redeliver {Guid} (attempt {DeliveryId})", candidate.DeliveryGuid, candidate.DeliveryId);
            }

            await pause;
        }

        var result = Status;
        if (Workflow.Logger.IsEnabled(LogLevel.Information))
        {
            Workflow.Logger.LogInformation("Redelivery sweep: {Summary}", result.ToString());
        }

        return result;
    }

    /// <summary>The sweep so far: what the log held, and the requests made.</summary>
    [WorkflowQuery]
    public RedeliverySweepResult Status => new()
    {
        Listed = found?.Listed ?? 0,
        Pages = found?.Pages ?? 0,
        Failed = found?.Failed ?? 0,
        AlreadyRedelivered = found?.AlreadyRedelivered ?? 0,
        AlreadyAccepted = found?.AlreadyAccepted ?? 0,
        Deferred = found?.Deferred ?? 0,
        Incomplete = found?.Incomplete,
        Requested = requested,
        Refused = refused,
    };
}

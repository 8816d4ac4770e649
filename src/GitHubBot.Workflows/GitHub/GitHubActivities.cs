using GitHubBot.Core.Contracts;
using Octokit;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.GitHub;

/// <summary>Every GitHub side effect a workflow has, each one activity, acting as the repository's installation.</summary>
public sealed class GitHubActivities(IGitHubClients clients, TemporalUiLinks links, TimeProvider time)
{
    /// <summary>Creates a check run on the head SHA and returns its ID. A retried attempt reuses the run an earlier attempt created.</summary>
    [Activity]
    public async Task<long> CreateCheckRunAsync(CreateCheckRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var workflowId = context.Info.WorkflowId ?? string.Empty;
        var client = await clients.ForRepositoryAsync(request.Target, context.CancellationToken);

        if (context.Info.Attempt > 1)
        {
            var existing = await GitHubFailures.CallAsync(
                () => client.Check.Run.GetAllForReference(request.Target.Owner, request.Target.Repo, request.HeadSha, new CheckRunRequest { CheckName = request.Name, Filter = CheckRunCompletedAtFilter.All }),
                time);
            var mine = existing.CheckRuns.FirstOrDefault(run => run.ExternalId == workflowId);
            if (mine is not null)
            {
                return mine.Id;
            }
        }

        var detailsUrl = links.WorkflowUrl(workflowId);
        var run = await GitHubFailures.CallAsync(
            () => client.Check.Run.Create(request.Target.Owner, request.Target.Repo, new NewCheckRun(request.Name, request.HeadSha)
            {
                Status = ParseStatus(request.Status),
                StartedAt = time.GetUtcNow(),
                ExternalId = workflowId,
                DetailsUrl = detailsUrl?.ToString(),
                Output = new NewCheckRunOutput(request.Title, request.Summary),
            }),
            time);
        return run.Id;
    }

    /// <summary>Completes a check run with a conclusion and its final text.</summary>
    [Activity]
    public async Task CompleteCheckRunAsync(CompleteCheckRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var client = await clients.ForRepositoryAsync(request.Target, context.CancellationToken);
        await GitHubFailures.CallAsync(
            () => client.Check.Run.Update(request.Target.Owner, request.Target.Repo, request.CheckRunId, new CheckRunUpdate
            {
                Status = CheckStatus.Completed,
                Conclusion = ParseConclusion(request.Conclusion),
                CompletedAt = time.GetUtcNow(),
                Output = new NewCheckRunOutput(request.Title, request.Summary),
            }),
            time);
    }

    private static CheckStatus ParseStatus(string status) => status switch
    {
        "queued" => CheckStatus.Queued,
        "in_progress" => CheckStatus.InProgress,
        "completed" => CheckStatus.Completed,
        _ => throw new ApplicationFailureException($"Unknown check-run status '{status}'.", errorType: "InvalidRequest", nonRetryable: true),
    };

    private static CheckConclusion ParseConclusion(string conclusion) => conclusion switch
    {
        "success" => CheckConclusion.Success,
        "failure" => CheckConclusion.Failure,
        "neutral" => CheckConclusion.Neutral,
        "cancelled" => CheckConclusion.Cancelled,
        "timed_out" => CheckConclusion.TimedOut,
        "action_required" => CheckConclusion.ActionRequired,
        "skipped" => CheckConclusion.Skipped,
        _ => throw new ApplicationFailureException($"Unknown check-run conclusion '{conclusion}'.", errorType: "InvalidRequest", nonRetryable: true),
    };
}

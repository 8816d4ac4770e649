using Temporalio.Common;
using Temporalio.Workflows;

namespace GitHubBot.Workflows;

/// <summary>Timeouts and retry policies of activity calls, named by the kind of work they do.</summary>
internal static class ActivityOptionsCatalog
{
    /// <summary>
    /// One GitHub REST call. Retries follow GitHub's own wait on rate limits (the failure's next retry delay, up to an
    /// hour for a primary limit), so the schedule-to-close budget is generous while each attempt stays short.
    /// </summary>
    public static ActivityOptions GitHubCall => new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        ScheduleToCloseTimeout = TimeSpan.FromHours(2),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(1),
            BackoffCoefficient = 2,
            MaximumInterval = TimeSpan.FromMinutes(1),
            MaximumAttempts = 20,
            NonRetryableErrorTypes = ["GitHubClientError", "InvalidRequest"],
        },
    };
}

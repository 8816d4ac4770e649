using Temporalio.Common;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Temporal;

/// <summary>Timeouts and retry policies of activity calls, named by the kind of work they do.</summary>
internal static class ActivityPresets
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

    /// <summary>
    /// Reading many pages of a GitHub listing (heartbeating): each attempt reads from the first page again, and is
    /// retried as <see cref="GitHubCall"/> is, after GitHub's wait on rate limits.
    /// </summary>
    public static ActivityOptions GitHubPaging => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(15),
        HeartbeatTimeout = TimeSpan.FromSeconds(30),
        ScheduleToCloseTimeout = TimeSpan.FromHours(2),
        RetryPolicy = GitHubCall.RetryPolicy,
    };

    /// <summary>A call to Temporal itself (listing and signalling other workflows).</summary>
    public static ActivityOptions TemporalCall => new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        ScheduleToCloseTimeout = TimeSpan.FromMinutes(10),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(1),
            BackoffCoefficient = 2,
            MaximumInterval = TimeSpan.FromSeconds(30),
            MaximumAttempts = 10,
        },
    };

    /// <summary>Checking out a commit (heartbeating) or removing a workspace.</summary>
    public static ActivityOptions Workspace => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(20),
        HeartbeatTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(2),
            BackoffCoefficient = 2,
            MaximumInterval = TimeSpan.FromSeconds(30),
            MaximumAttempts = 3,
            NonRetryableErrorTypes = ["InvalidRequest", "InvalidConfig"],
        },
    };

    /// <summary>
    /// One check (or the fixes) of the given timeout, plus time to check the commit out. A failing check is a
    /// result, not an error: only a broken worker is retried, up to three times. Once was not enough: a worker killed
    /// again while the retries of its last death were running (WorkerKillChaosTests, seed 1203328114) failed the
    /// required check it was running, although the check itself never failed.
    /// </summary>
    public static ActivityOptions Check(TimeSpan timeout) => new()
    {
        StartToCloseTimeout = timeout + TimeSpan.FromMinutes(5),

        // Cancellation reaches an activity with a heartbeat, and the SDK sends them at most every 80% of this.
        HeartbeatTimeout = TimeSpan.FromSeconds(10),

        // A cancelled gate waits until its check processes are gone before it says so.
        CancellationType = ActivityCancellationType.WaitCancellationCompleted,
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(2),
            MaximumAttempts = 4,
            NonRetryableErrorTypes = ["InvalidRequest", "InvalidConfig"],
        },
    };

    /// <summary>One agent asked one thing (the agent itself asks the model again on invalid answers).</summary>
    public static ActivityOptions Agent => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(15),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(5),
            BackoffCoefficient = 2,
            MaximumInterval = TimeSpan.FromMinutes(1),
            MaximumAttempts = 3,
            NonRetryableErrorTypes = ["AgentsNotConfigured", "AgentOutputInvalid", "PatchDoesNotApply", "InvalidRequest"],
        },
    };

    /// <summary>Reading commits, checking edits, committing and pushing a plan's branch.</summary>
    public static ActivityOptions Repo => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(10),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(2),
            BackoffCoefficient = 2,
            MaximumInterval = TimeSpan.FromSeconds(30),
            MaximumAttempts = 3,
            NonRetryableErrorTypes = ["PatchDoesNotApply", "BranchMoved", "InvalidRequest"],
        },
    };

    /// <summary>Waiting for a gate started elsewhere.</summary>
    public static ActivityOptions AwaitGate => new()
    {
        StartToCloseTimeout = TimeSpan.FromHours(6),
        HeartbeatTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(2),
            MaximumAttempts = 5,
            NonRetryableErrorTypes = ["GateFailed"],
        },
    };

    /// <summary>These options, cancelled with <paramref name="token"/> (a preset is a new object each time it is read).</summary>
    public static ActivityOptions WithCancellation(this ActivityOptions options, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.CancellationToken = token;
        return options;
    }

    /// <summary>
    /// These options for a step that creates something (an issue, a PR, a pushed branch): it runs to its end even when
    /// the run is cancelled meanwhile, so its undo is registered with what it really made, and the cancellation is
    /// noticed after. Bounded, so a cancel waits minutes at most, not the hours a rate-limited GitHub call may retry for.
    /// </summary>
    public static ActivityOptions Uninterrupted(this ActivityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ScheduleToCloseTimeout = TimeSpan.FromMinutes(10);
        options.CancellationToken = CancellationToken.None;
        return options;
    }
}

using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>Input of the monitor: which Alertmanager, how often, how many new incidents a poll may open, and what it knows.</summary>
public sealed record MonitorInput
{
    public required string Name { get; init; }

    public required Uri Url { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxNewPerPoll { get; init; } = 10;

    /// <summary>The fingerprints of the alerts it opened incidents for and saw active last (carried over continue-as-new).</summary>
    public IReadOnlyList<string> Active { get; init; } = [];
}

/// <summary>Input of PollAlertmanager: the Alertmanager, the fingerprints the monitor knows, how many new alerts it takes.</summary>
public sealed record MonitorPollRequest(Uri Alertmanager, IReadOnlyList<string> Known, int MaxNew);

/// <summary>What a poll found: new firing alerts (at most MaxNew), every fingerprint Alertmanager holds, and whether that list is whole.</summary>
public sealed record MonitorPoll(IReadOnlyList<Alert> New, IReadOnlyList<string> Present, bool Complete);

/// <summary>What the monitor's Status query answers.</summary>
public sealed record MonitorStatus(int Polls, int Active, int Opened, int Resolved, string? LastProblem);

/// <summary>
/// Continuous monitoring, where Alertmanager cannot reach the bot: polls its alerts on an interval, opens an
/// incident child per new active, unsilenced, uninhibited fingerprint (the same workflow IDs its webhook maps to, so an
/// alert pushed and pulled is one incident), signals Resolved when an alert is gone from Alertmanager (a silenced one
/// has not resolved), opens at most a few incidents per poll (an alert storm is spread over the next polls), and
/// continues as new before its history grows large.
/// </summary>
[Workflow]
public sealed class AlertmanagerMonitorWorkflow
{
    /// <summary>Polls before the monitor continues as new.</summary>
    public const int PollsPerRun = 200;

    private readonly HashSet<string> active = new(StringComparer.Ordinal);
    private int polls;
    private int opened;
    private int resolved;
    private string? lastProblem;

    [WorkflowRun]
    public async Task RunAsync(MonitorInput input)
    {
        if (input?.Url is not { IsAbsoluteUri: true } || input.Interval < TimeSpan.FromSeconds(1) || input.MaxNewPerPoll is < 1 or > MonitorSettings.MostNewPerPoll)
        {
            throw new ApplicationFailureException("The monitor needs an absolute Alertmanager URL, an interval of at least 1 s and MaxNewPerPoll of at least 1.", errorType: "InvalidInput", nonRetryable: true);
        }

        active.UnionWith(input.Active);
        for (var poll = 0; poll < PollsPerRun && !Workflow.ContinueAsNewSuggested; poll++)
        {
            await PollAsync(input);
            await Workflow.DelayAsync(input.Interval);
        }

        var next = input with { Active = active.Order(StringComparer.Ordinal).ToList() };
        throw Workflow.CreateContinueAsNewException((AlertmanagerMonitorWorkflow wf) => wf.RunAsync(next));
    }

    [WorkflowQuery]
    public MonitorStatus Status => new(polls, active.Count, opened, resolved, lastProblem);

    private async Task PollAsync(MonitorInput input)
    {
        polls++;
        MonitorPoll poll;
        try
        {
            var request = new MonitorPollRequest(input.Url, [.. active.Order(StringComparer.Ordinal)], input.MaxNewPerPoll);
            poll = await Workflow.ExecuteActivityAsync(
                (ObservabilityActivities observability) => observability.PollAlertmanagerAsync(request),
                new ActivityOptions
                {
                    StartToCloseTimeout = TimeSpan.FromMinutes(1),
                    HeartbeatTimeout = TimeSpan.FromSeconds(30),
                    RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumAttempts = 2 },
                });
            lastProblem = poll.Complete ? null : $"Alertmanager holds more than {ObservabilityActivities.MaxPolledAlerts} alerts: none is taken as resolved this time";
        }
        catch (ActivityFailureException ex)
        {
            // Alertmanager down: nothing is known to have resolved; the next poll tries again.
            lastProblem = Failures.Reason(ex);
            Workflow.Logger.LogWarning(ex, "Could not poll the Alertmanager {Name}", input.Name);
            return;
        }

        foreach (var alert in poll.New)
        {
            await OpenAsync(alert);
            active.Add(alert.Fingerprint);
        }

        // Gone from Alertmanager altogether (a silenced or inhibited alert is still there): resolved.
        if (poll.Complete)
        {
            var present = poll.Present.ToHashSet(StringComparer.Ordinal);
            foreach (var gone in active.Where(fingerprint => !present.Contains(fingerprint)).Order(StringComparer.Ordinal).ToList())
            {
                await ResolveAsync(gone, input.Name);
                active.Remove(gone);
            }
        }
    }

    /// <summary>The incident of a new alert, as a child that outlives the monitor; one its webhook already opened is left to run.</summary>
    private async Task OpenAsync(Alert alert)
    {
        var incident = new IncidentInput { Alert = alert, Trigger = "monitor" };
        var child = await Children.StartOrFindAsync(
            (IncidentSwarmWorkflow wf) => wf.RunAsync(incident),
            new ChildWorkflowOptions
            {
                Id = WorkflowIds.Incident(alert.Source, alert.Fingerprint),
                ParentClosePolicy = ParentClosePolicy.Abandon,
                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.AllowDuplicate,
            });
        if (child is not null)
        {
            opened++;
        }
    }

    private async Task ResolveAsync(string fingerprint, string monitor)
    {
        try
        {
            await Workflow.GetExternalWorkflowHandle(WorkflowIds.Incident("alertmanager", fingerprint))
                .SignalAsync(IncidentSignals.Resolved, [$"the monitor {monitor}"]);
            resolved++;
        }
        catch (FailureException ex) when (!Failures.IsCancellation(ex))
        {
            // The incident ended already: nothing to tell it.
            if (Workflow.Logger.IsEnabled(LogLevel.Information))
            {
                Workflow.Logger.LogInformation(ex, "The incident of {Fingerprint} is not running", fingerprint);
            }
        }
    }
}

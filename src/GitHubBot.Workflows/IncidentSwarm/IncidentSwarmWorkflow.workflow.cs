using System.Globalization;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>
/// One incident, from its alert to its postmortem: where it belongs (the service's repository), context read in
/// parallel (metrics, logs, recent changes), several diagnostic agents in parallel, a consensus computed in code,
/// then a hotfix PR through a <see cref="ChangeRequestWorkflow"/> when the consensus is sure enough, else an issue for
/// people with every hypothesis and its evidence; it then waits for the alert to resolve (a repeat of the alert
/// joins it; <c>Rollback</c> undoes the hotfix meanwhile) and writes the postmortem from its own timeline. The
/// context and diagnosis are in <c>.Diagnosis.workflow.cs</c>, the response in <c>.Response.workflow.cs</c>.
/// </summary>
[Workflow]
public sealed partial class IncidentSwarmWorkflow
{
    private readonly StopSwitch stop = new();
    private readonly ChangeRequestChild child = new();
    private readonly List<TimelineEntry> timeline = [];
    private readonly List<ProgressStep> steps = [.. IncidentTexts.Steps.Select(name => new ProgressStep(name, "pending"))];
    private readonly List<string> notes = [];
    private readonly List<string> actions = [];
    private readonly List<Diagnosis> diagnoses = [];

    private Alert alert = null!;
    private IncidentPlan? plan;
    private Consensus? consensus;
    private string stage = "starting";
    private int notifications;
    private DateTimeOffset? resolvedAt;
    private string? resolvedBy;
    private string? rollbackBy;
    private IssueInfo? issue;
    private PullRequestRef? hotfix;
    private bool fixApplied;
    private bool hotfixMerged;
    private bool rolledBack;
    private string? hotfixBase;
    private string? hotfixHead;
    private AgentSession? agents;
    private bool changing;
    private readonly ProgressCommentUpdates progress = new();

    [WorkflowRun]
    public async Task<IncidentResult> RunAsync(IncidentInput input)
    {
        if (input?.Alert is not { Fingerprint.Length: > 0 } given)
        {
            throw new ApplicationFailureException("IncidentSwarmWorkflow needs an alert with a fingerprint.", errorType: "InvalidInput", nonRetryable: true);
        }

        alert = given;
        Note($"alert `{IncidentTexts.Quote(alert.Name)}` received from {alert.Source} ({input.Trigger})");
        try
        {
            return await stop.RunAsync(token => IncidentAsync(input, token));
        }
        catch (Exception ex) when (stop.IsStop(ex))
        {
            var why = stop.Reason ?? "The incident was cancelled through Temporal.";
            Note($"cancelled: {why}");
            stage = "cancelled";
            await ProgressAsync($"**Cancelled.** {why}", detached: true);
            if (Workflow.CancellationToken.IsCancellationRequested)
            {
                throw;
            }

            // Cancelled by a person: the alert's repeats keep joining this incident, which does nothing more, until
            // the alert resolves — so the next notification does not open the incident again.
            await Workflow.WaitConditionAsync(() => resolvedAt is not null, plan?.HoldOpen ?? TimeSpan.FromDays(3));
            return Result("cancelled", Postmortem());
        }
        catch (Exception ex) when (!Failures.IsCancellation(ex) && ex is not InvalidWorkflowOperationException)
        {
            var why = $"The incident could not be worked on: {Failures.Reason(ex)}";
            stage = "failed";
            await ProgressAsync($"**Stopped.** {why}", detached: true);
            throw new ApplicationFailureException(why, ex, errorType: Failures.Cause(ex)?.ErrorType ?? "IncidentFailed", nonRetryable: true);
        }
    }

    /// <summary>The alert fired (its first delivery, through signal-with-start, or a repeat): counted; the incident goes on.</summary>
    [WorkflowSignal(IncidentSignals.AlertFired)]
    public Task AlertFiredAsync(string? via)
    {
        notifications++;
        return Task.CompletedTask;
    }

    /// <summary>The alert resolved (its resolved notification, the monitor, or a person).</summary>
    [WorkflowSignal(IncidentSignals.Resolved)]
    public Task ResolvedAsync(string? by)
    {
        if (resolvedAt is null)
        {
            resolvedAt = Workflow.UtcNow;
            resolvedBy = string.IsNullOrWhiteSpace(by) ? "its resolved notification" : by;
            Note($"resolved ({resolvedBy})");
        }

        return Task.CompletedTask;
    }

    /// <summary>Undoes the hotfix: an unmerged PR is closed and its branch deleted; a merged one gets a revert PR.</summary>
    [WorkflowSignal(IncidentSignals.Rollback)]
    public Task RollbackAsync(string? by)
    {
        rollbackBy ??= string.IsNullOrWhiteSpace(by) ? "an operator" : by;
        return Task.CompletedTask;
    }

    /// <summary>Stops the incident: its agents and its hotfix are cancelled (the hotfix undone), the issue says why.</summary>
    [WorkflowSignal(WorkflowSignals.Cancel)]
    public Task CancelAsync(string? reason)
    {
        stop.Stop(reason);
        return Task.CompletedTask;
    }

    /// <summary>The hotfix's change request reporting its steps.</summary>
    [WorkflowSignal(ChangeRequestSignals.Progress)]
    public Task ChangeProgressAsync(ChangeProgress? progress)
    {
        if (changing)
        {
            child.Receive(progress);
        }

        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public IncidentStatus Status => new(alert?.Fingerprint ?? string.Empty, diagnoses.Count(d => d.Answer is not null), consensus?.Reached ?? false, consensus?.Confidence ?? 0, fixApplied)
    {
        Stage = changing && child.Status is { } change ? $"hotfix: {change.Stage}" : stage,
        Hypotheses = consensus is null ? [] : IncidentTexts.HypothesisLines(consensus),
        Repeats = RepeatCount,
        Resolved = resolvedAt is not null,
        IssueUrl = issue?.Url,
        HotfixPrUrl = hotfix?.Url ?? child.Status?.PullRequest?.Url,
    };

    private async Task<IncidentResult> IncidentAsync(IncidentInput input, CancellationToken token)
    {
        stage = "resolving";
        plan = await Workflow.ExecuteActivityAsync((IncidentActivities incidents) => incidents.ResolveIncidentAsync(alert), ActivityPresets.GitHubCall.WithCancellation(token));
        plan = plan with { Agents = Math.Clamp(input.Agents ?? plan.Agents, 1, 10), AutoFix = (input.AutoFix ?? plan.AutoFix) && alert.GitHub is not { IsSecret: true } };
        notes.AddRange(plan.Notes);
        agents = new AgentSession(plan.Budget, plan.CoderAttempts, plan.AllowConfigEdits);
        if (plan.Repository is { } repository)
        {
            issue = await OpenIssueAsync(repository, token);
        }

        var context = await ContextAsync(token);
        await DiagnoseAsync(context, token);
        consensus = ConsensusRules.Decide(diagnoses, context, alert, plan.Threshold);
        Step("Consensus", consensus.Reached ? "done" : "failed", ConsensusDetail(consensus));
        Note(consensus.Top is { } top
            ? string.Create(CultureInfo.InvariantCulture, $"consensus {(consensus.Reached ? "reached" : "not reached")}: {IncidentTexts.Quote(top.RootCause)} ({top.Confidence:0.00})")
            : "no usable diagnosis");

        var outcome = await RespondAsync(token);
        await AwaitResolutionAsync(token);
        return await FinishAsync(rolledBack ? "rolled-back" : outcome);
    }

    /// <summary>How often the alert fired again after its first notification.</summary>
    private int RepeatCount => Math.Max(0, notifications - 1);

    /// <summary>Records an event of the incident for its postmortem.</summary>
    private void Note(string what) => timeline.Add(new TimelineEntry(Workflow.UtcNow, what));

    private void Step(string name, string state, string? detail = null) => ProgressComment.Set(steps, name, state, detail);

    private static string ConsensusDetail(Consensus consensus) =>
        consensus.Top is { } top
            ? string.Create(CultureInfo.InvariantCulture, $"{top.Confidence:0.00} for \"{IncidentTexts.Quote(top.RootCause)}\" ({top.Supporters.Count} agents)")
            : "no usable diagnosis";

    /// <summary>An update of the progress comment, sent in the background after the one before it (a failure is logged).</summary>
    private void News(string headline)
    {
        if (ProgressRequest(headline) is { } request)
        {
            progress.Send(request, stop.Token ?? CancellationToken.None);
        }
    }

    /// <summary>Writes the progress comment after every update sent before it, and waits for it.</summary>
    private Task ProgressAsync(string headline, bool detached = false) =>
        progress.WriteAsync(() => ProgressRequest(headline), stop.Token, detached);

    /// <summary>The progress comment as the incident stands now; null before it has an issue.</summary>
    private UpsertCommentRequest? ProgressRequest(string headline) =>
        issue is { } incidentIssue && plan?.Repository is { } repository
            ? new UpsertCommentRequest(repository, incidentIssue.Number, IncidentTexts.ProgressMarker, ProgressBody(headline))
            : null;

    private string ProgressBody(string headline)
    {
        var change = child.Status;
        var footer = string.Create(CultureInfo.InvariantCulture, $"{agents?.Usage.Calls ?? 0} agent calls, {agents?.Usage.Tokens ?? 0} tokens · {Math.Max(1, notifications)} notifications · workflow `{Workflow.Info.WorkflowId}`");
        return ProgressComment.Render(
            IncidentTexts.ProgressMarker,
            "GitHubBot: incident",
            headline,
            [.. steps, .. change?.Steps ?? []],
            [.. notes, .. change?.Notes ?? []],
            footer);
    }

    private IncidentResult Result(string outcome, string postmortem)
    {
        var top = consensus?.Top;
        return new IncidentResult
        {
            Outcome = outcome,
            Consensus = top is null ? null : new ConsensusSummary(top.RootCause, top.Category, top.Confidence, top.Supporters),
            ResolutionTimeMinutes = resolvedAt is { } resolved ? Math.Round(Math.Max(0, (resolved - alert.StartsAt).TotalMinutes), 2) : 0,
            FixApplied = fixApplied,
            HotfixPrUrl = hotfix?.Url,
            IssueUrl = issue?.Url,
            Postmortem = postmortem,
            Repository = plan?.Repository is { } repository ? $"{repository.Owner}/{repository.Repo}" : null,
            Hypotheses = consensus is null ? [] : IncidentTexts.HypothesisLines(consensus),
            Repeats = RepeatCount,
        };
    }
}

using System.Globalization;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>The incident's issue, its context read in parallel, and its diagnostic agents asked in parallel.</summary>
public sealed partial class IncidentSwarmWorkflow
{
    /// <summary>Reading one context source: bounded, retried a little, never fatal to the incident.</summary>
    private static ActivityOptions ContextCall => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(2),
        HeartbeatTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumAttempts = 2 },
    };

    /// <summary>The incident's one issue (a retried attempt finds the one an earlier attempt opened): where it is followed.</summary>
    private async Task<IssueInfo> OpenIssueAsync(RepositoryTarget repository, CancellationToken token)
    {
        var request = new CreateIssueRequest(
            repository, IncidentTexts.IssueTitle(alert), IncidentTexts.IssueBody(alert, Workflow.Info.WorkflowId, null, null), [IncidentTexts.IncidentLabel], Workflow.Info.WorkflowId);
        var opened = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.CreateIssueAsync(request), ActivityPresets.GitHubCall.WithCancellation(token));
        Note($"incident issue #{opened.Number} opened");
        actions.Add($"Opened the incident issue {opened.Url}.");
        return opened;
    }

    /// <summary>Metrics, logs and recent changes, read at the same time; a source that is off or fails is a gap, noted.</summary>
    private async Task<IncidentContext> ContextAsync(CancellationToken token)
    {
        stage = "reading context";
        Step("Context", "running");
        News("Reading the metrics, the logs and the recent changes.");
        var to = Workflow.UtcNow;
        // From the window before the alert started, but never more than a day back (a startsAt from outside may say 1971).
        var started = alert.StartsAt > to - TimeSpan.FromDays(1) && alert.StartsAt < to ? alert.StartsAt : to;
        var from = started - plan!.Window;
        var metricsRequest = new ContextRequest(plan.MetricsQueries, from, to);
        var metricsTask = Workflow.ExecuteActivityAsync((ObservabilityActivities observability) => observability.FetchMetricsAsync(metricsRequest), ContextCall.WithCancellation(token));
        var logsRequest = new ContextRequest(plan.LogsQuery is { } logsQuery ? [new NamedQuery("logs", logsQuery)] : [], from, to);
        var logsTask = Workflow.ExecuteActivityAsync((ObservabilityActivities observability) => observability.FetchLogsAsync(logsRequest), ContextCall.WithCancellation(token));
        var changesTask = plan.Repository is { } repository
            ? Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetRecentChangesAsync(new ChangesRequest(repository, from - TimeSpan.FromDays(2))), ContextCall.WithCancellation(token))
            : Task.FromResult(new ChangesContext([], [], "the incident has no repository"));

        var metrics = await Tolerant(metricsTask, reason => new MetricsContext([], reason));
        var logs = await Tolerant(logsTask, reason => new LogsContext([], 0, reason));
        var changes = await Tolerant(changesTask, reason => new ChangesContext([], [], reason));
        var context = new IncidentContext(metrics, logs, changes);
        foreach (var (source, gap) in new[] { ("metrics", metrics.Gap), ("logs", logs.Gap), ("recent changes", changes.Gap) })
        {
            if (gap is not null)
            {
                notes.Add($"No {source}: {IncidentTexts.Quote(gap)}");
            }
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"{metrics.Series.Count} series, {logs.Total} log lines, {changes.Commits.Count} commits and {changes.PullRequests.Count} merged PRs");
        Step("Context", "done", detail);
        Note($"context read: {detail}");
        return context;
    }

    /// <summary>
    /// The diagnostic agents, in parallel, each from its perspective; an agent whose answer cannot be used is noted
    /// and the others decide. Each diagnosis shows in the progress comment as it comes.
    /// </summary>
    private async Task DiagnoseAsync(IncidentContext context, CancellationToken token)
    {
        stage = "diagnosing";
        Step("Diagnosis", "running", string.Create(CultureInfo.InvariantCulture, $"{plan!.Agents} agents at work"));
        var rendered = IncidentContextReader.Render(alert, context);
        async Task DiagnoseOneAsync(int agent)
        {
            var perspective = IncidentTexts.Perspectives[(agent - 1) % IncidentTexts.Perspectives.Count];
            Diagnosis diagnosis;
            try
            {
                var answer = await agents!.AskAsync<DiagnosisAnswer>("diagnoser", IncidentTexts.DiagnoserTask(perspective, rendered), null, token);
                diagnosis = new Diagnosis(agent, perspective, answer, null);
                Note(string.Create(CultureInfo.InvariantCulture, $"agent {agent} ({perspective}): {answer.Category}, confidence {answer.Confidence:0.00}"));
            }
            // A diagnoser that did not answer in time (AgentTimeout, new with Agents:RequestTimeout: no released
            // history holds it, so replay is unchanged) is one without a usable answer too, not the end of the incident.
            catch (Exception ex) when (!Failures.IsCancellation(ex) && Failures.Cause(ex) is { ErrorType: "AgentOutputInvalid" or "BudgetExhausted" or "AgentsNotConfigured" or "AgentTimeout" } cause)
            {
                diagnosis = new Diagnosis(agent, perspective, null, Failures.Said(cause));
                Note($"agent {agent} ({perspective}) gave no usable answer");
            }

            diagnoses.Add(diagnosis);
            var answered = diagnoses.Count(d => d.Answer is not null);
            Step("Diagnosis", "running", string.Create(CultureInfo.InvariantCulture, $"{diagnoses.Count} of {plan.Agents} agents answered ({answered} usable)"));
            News(diagnosis.Answer is { } usable
                ? $"Agent {agent} ({perspective}) thinks: {IncidentTexts.Quote(usable.RootCause)} ({usable.Category}, confidence {usable.Confidence:0.00})."
                : $"Agent {agent} ({perspective}) gave no usable answer.");
        }

        await Workflow.WhenAllAsync(Enumerable.Range(1, plan.Agents).Select(DiagnoseOneAsync));
        diagnoses.Sort((a, b) => a.Agent.CompareTo(b.Agent));
        Step("Diagnosis", "done", string.Create(CultureInfo.InvariantCulture, $"{diagnoses.Count(d => d.Answer is not null)} of {plan.Agents} usable"));
    }

    /// <summary>A context source's answer, or what stands in for it when it failed (the reason becomes its gap).</summary>
    private static async Task<T> Tolerant<T>(Task<T> source, Func<string, T> gap)
    {
        try
        {
            return await source;
        }
        catch (ActivityFailureException ex) when (!Failures.IsCancellation(ex))
        {
            return gap(Failures.Reason(ex));
        }
    }
}

using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.QualityGate;

/// <summary>The gate's work on its checkout: the checks in parallel, the verdict, the fixes, the report and the re-check.</summary>
public sealed partial class QualityGateWorkflow
{
    /// <summary>The trigger of the gate that re-checks a commit of fixes: it never fixes again.</summary>
    public const string AutoFixTrigger = "auto-fix";

    private async Task<QualityGateResult> CheckAsync(
        QualityGateInput input, RepositoryTarget target, WorkspaceRef workspace, QualityGateSection gateSection, AgentsSection agentsSection, CancellationToken token)
    {
        stage = "checking out";
        var settings = await Workflow.ExecuteActivityAsync(
            (GateActivities gate) => gate.PrepareWorkspaceAsync(new PrepareWorkspaceRequest(workspace, gateSection)),
            ActivityPresets.Workspace.WithCancellation(token));
        var requiredScore = Threshold(input.RequiredScore, settings.RequiredScore, input.ThresholdsRaiseOnly);
        var requiredCoverage = Threshold(input.RequiredCoverage, settings.RequiredCoverage, input.ThresholdsRaiseOnly);

        var results = await RunChecksAsync(target, workspace, settings.Checks, result => Judged(result, requiredCoverage, settings.CoverageAppliesTo), token);
        var verdict = Decide(settings, results, requiredCoverage, requiredScore);

        // A fix command runs for a check that failed, and (since agents fix findings too) for one that passed with findings.
        var fixable = settings.Checks.Where(c => c.Fix is not null && results.TryGetValue(c.Name, out var r)
            && (r.State is CheckState.Failed or CheckState.TimedOut || (r.State == CheckState.Passed && GateFixes.Findings(r).Count > 0 && Workflow.Patched(AgentFixesPatch)))).ToList();
        var agentWork = AgentWork(settings, results, requiredCoverage);
        var wantsFixes = (input.AttemptAutoFix || settings.AutoFix) && input.Trigger != AutoFixTrigger;
        var fixesAvailable = agentWork.Count > 0 && !settings.AgentsAvailable && !input.FromFork ? agentWork : [];
        var (fixesApplied, notes, fixedSha) =
            wantsFixes && agentWork.Count > 0 && settings.AgentsAvailable && !input.FromFork && Workflow.Patched(AgentFixesPatch)
                ? await FixWithAgentsAsync(new AgentFixContext(input, target, workspace, settings, results, requiredCoverage, agentsSection), fixable, token)
            : wantsFixes && fixable.Count > 0 ? await FixAsync(input, workspace, fixable, token)
            : ([], [], null);

        // The report of this commit goes out before any re-check, which then reports on the fixed commit itself.
        stage = "reporting";
        var coverage = results.GetValueOrDefault("coverage");
        var extras = new GateCommentExtras(GateTexts.CoverageLine(coverage?.CoveragePercent, coverage?.ChangedLines), fixesAvailable);
        var summary = GateTexts.Summary(input.HeadSha, verdict, Rows(settings, results), [.. input.FixesBefore, .. fixesApplied], notes, extras);
        var conclusion = verdict.CanMerge ? "success" : (results.Values.All(r => r.State == CheckState.Neutral) ? "neutral" : "failure");
        var canFix = fixable.Count > 0 || (agentWork.Count > 0 && settings.AgentsAvailable);
        var complete = new CompleteCheckRunRequest(target, checkRunId!.Value, conclusion, GateTexts.SummaryTitle(verdict, results.Values.Count(r => r.State != CheckState.Neutral)), summary)
        {
            Buttons = Buttons(input, canFix && fixedSha is null),
        };
        await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CompleteCheckRunAsync(complete),
            ActivityPresets.GitHubCall.WithCancellation(token));
        reported = true;
        var comment = new UpsertCommentRequest(target, input.PullRequestNumber, GateComment.Marker, summary);
        await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.UpsertStickyCommentAsync(comment),
            ActivityPresets.GitHubCall.WithCancellation(token));

        stage = "reported";
        return new QualityGateResult
        {
            OverallScore = verdict.Score,
            CanMerge = verdict.CanMerge,
            Conclusion = conclusion,
            CheckRunId = checkRunId!.Value,
            Checks = [.. settings.Checks.Where(c => results.ContainsKey(c.Name)).Select(c => Outcome(c, results[c.Name]))],
            AutoFixesApplied = fixesApplied,
            BlockingIssues = verdict.BlockingIssues,
            FixedSha = fixedSha,
        };
    }

    /// <summary>One check in the gate's result, with what a fixer needs: its findings, its coverage figures.</summary>
    private static CheckOutcome Outcome(CheckConfig check, CheckRunResult result) =>
        new(check.Name, result.State == CheckState.Passed, result.Score, check.Required, result.Summary, result.Annotations.Count)
        {
            Neutral = result.State == CheckState.Neutral,
            Findings = [.. result.Annotations.Take(CheckOutcome.MaxFindings)],
            ChangedLines = result.ChangedLines,
            CoveragePercent = result.CoveragePercent,
            DurationSeconds = result.DurationSeconds,
        };

    /// <summary>
    /// A coverage check that ran its tests but measured less than the requirement (on what it applies to) fails, and
    /// since the requirement blocks the merge, its own check run ends as a failure too, not only the summary.
    /// </summary>
    private static (CheckRunResult Result, bool Blocks) Judged(CheckRunResult result, double requiredCoverage, string appliesTo)
    {
        if (result.Name != "coverage" || result.State != CheckState.Passed || !GateFixes.CoverageShort(result, requiredCoverage, appliesTo) || !Workflow.Patched(AgentFixesPatch))
        {
            return (result, false);
        }

        var why = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"**Below the required {requiredCoverage:0.#}% line coverage.**");
        return (result with { State = CheckState.Failed, Summary = $"{why}\n\n{result.Summary}" }, true);
    }

    /// <summary>
    /// Runs the failing checks' fix commands and pushes what they changed (same-repository PRs) or keeps the diff for
    /// the report (forks). A newer gate that asked this one to stop meanwhile is honoured once the push is known,
    /// unless it is the gate of the fixes themselves.
    /// </summary>
    private async Task<(List<string> Applied, List<string> Notes, string? FixedSha)> FixAsync(
        QualityGateInput input, WorkspaceRef workspace, List<CheckConfig> fixable, CancellationToken token)
    {
        stage = "fixing";
        var push = !input.FromFork;
        var fixRequest = new ApplyFixesRequest(workspace, [.. fixable.Select(c => new FixCommand(c.Name, c.Fix!, c.Timeout))], push, input.Branch);
        fixing = true;
        var fixes = await Workflow.ExecuteActivityAsync(
            (GateActivities gate) => gate.ApplyFixesAsync(fixRequest),
            ActivityPresets.Check(fixable.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Timeout)).WithCancellation(token));
        fixing = false;
        if (fixes.PushedSha is { } pushed)
        {
            fixesGateId = WorkflowIds.QualityGate(input.Owner, input.Repo, input.PullRequestNumber, pushed);
        }

        if (supersededWhileFixing is { } newer && newer.SupersededBy != fixesGateId)
        {
            await CancelAsync(newer);
            token.ThrowIfCancellationRequested();
        }

        var notes = fixes.Failed.Select(f => $"Fix failed: {f}").ToList();
        if (GateTexts.FixNote(fixes, push) is { } note)
        {
            notes.Add(note);
        }

        return ([.. fixes.Applied], notes, fixes.NotAttempted is null ? fixes.PushedSha : null);
    }

    /// <summary>The threshold a gate holds the PR to: the one asked for, else the repository's; never below the repository's when asked to only raise.</summary>
    private static double Threshold(int? asked, double configured, bool raiseOnly) =>
        asked is not { } value ? configured : raiseOnly ? Math.Max(value, configured) : value;

    /// <summary>The summary run's buttons. GitHub sends a fork PR's button clicks without the PR, so forks get none.</summary>
    private static List<CheckRunButton> Buttons(QualityGateInput input, bool canFix)
    {
        var buttons = new List<CheckRunButton>();
        if (!input.FromFork)
        {
            if (canFix)
            {
                buttons.Add(new("Apply fixes", "Run the fix commands and push", GateButtons.ApplyFixes));
            }

            buttons.Add(new("Re-run", "Run every check again", GateButtons.Rerun));
        }

        return buttons;
    }

    /// <summary>
    /// Has the pushed fix commit checked once, by the gate of that commit (the ID its push's webhook also maps to, so
    /// that delivery finds this gate instead of starting another; when the webhook got there first, that gate does
    /// it). The re-check outlives this gate (abandoned, not cancelled with it): it is the gate of the PR's new head.
    /// </summary>
    private static async Task<QualityGateResult?> RecheckAsync(QualityGateInput input, string fixedSha, IReadOnlyList<string> fixesApplied, CancellationToken waitToken)
    {
        var id = WorkflowIds.QualityGate(input.Owner, input.Repo, input.PullRequestNumber, fixedSha);
        var recheckInput = input with
        {
            HeadSha = fixedSha,
            AttemptAutoFix = false,
            Trigger = AutoFixTrigger,

            // GitHubBot wrote this commit itself from code that was allowed to run: nothing new to trust.
            AuthorAssociation = null,
            FixesBefore = [.. input.FixesBefore, .. fixesApplied.Select(f => $"{f} (in `{Shas.Abbreviate(fixedSha)}`)")],
        };
        try
        {
            var child = await Children.StartOrFindAsync(
                (QualityGateWorkflow wf) => wf.RunAsync(recheckInput),
                new ChildWorkflowOptions
                {
                    Id = id,
                    ParentClosePolicy = ParentClosePolicy.Abandon,
                    IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                    // Never cancelled with this gate: the re-check is the gate of the PR's new head.
                    CancellationToken = CancellationToken.None,
                });
            if (child is null)
            {
                var logger = Workflow.Logger;
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("The gate of the fixes commit, {WorkflowId}, was already started by its webhook", id);
                }

                return null;
            }

            // This gate may be stopped while it waits; the re-check goes on.
            var result = child.GetResultAsync();
            var stopped = Workflow.WaitConditionAsync(() => false, waitToken);
            await Workflow.WhenAnyAsync(result, stopped);
            if (!result.IsCompleted)
            {
                // Only a cancellation ends the wait before the result: this throws it.
                await stopped;
            }

            return await result;
        }
        catch (ChildWorkflowFailureException ex)
        {
            Workflow.Logger.LogWarning(ex, "The re-check of the fixes, {WorkflowId}, failed", id);
            return null;
        }
    }

    private async Task<Dictionary<string, CheckRunResult>> RunChecksAsync(
        RepositoryTarget target, WorkspaceRef workspace, IReadOnlyList<CheckConfig> checks, Func<CheckRunResult, (CheckRunResult Result, bool Blocks)> judge, CancellationToken token)
    {
        stage = "running checks";
        foreach (var check in checks)
        {
            checkOrder.Add(check.Name);
            checkStates[check.Name] = "queued";
        }

        var results = new Dictionary<string, CheckRunResult>(StringComparer.Ordinal);
        async Task RunOneAsync(CheckConfig check)
        {
            checkStates[check.Name] = "running";
            CheckRunResult result;
            try
            {
                result = await Workflow.ExecuteActivityAsync(
                    (GateActivities gate) => gate.RunCheckAsync(new RunCheckRequest(workspace, check)),
                    ActivityPresets.Check(check.Timeout).WithCancellation(token));
            }
            catch (ActivityFailureException ex) when (!Failures.IsCancellation(ex))
            {
                // One check that could not run (its worker died twice, its checkout failed) fails that check, not the gate.
                result = new CheckRunResult(check.Name, CheckState.Failed, 0, $"`{check.Run}` could not run: {Failures.Reason(ex)}", [], null, 0);
            }

            (result, var blocks) = judge(result);
            results[check.Name] = result;
            checkStates[check.Name] = GateTexts.StateName(result.State);
            var publish = new PublishCheckRunRequest(
                target,
                CheckRunNames.ForCheck(check.Name),
                workspace.HeadSha,
                GateTexts.Conclusion(result.State, check.Required || blocks),
                GateTexts.CheckTitle(result.State, result.Score),
                result.Summary,
                result.Annotations);
            await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.PublishCheckRunAsync(publish),
                ActivityPresets.GitHubCall.WithCancellation(token));
        }

        await Workflow.WhenAllAsync(checks.Select(RunOneAsync));
        return results;
    }

    private static Verdict Decide(QualityGateConfig settings, Dictionary<string, CheckRunResult> results, double requiredCoverage, double requiredScore) =>
        VerdictRules.Decide(
            [.. settings.Checks.Where(c => results.ContainsKey(c.Name)).Select(c => new CheckOutcomeInput(
                c.Name, results[c.Name].State, results[c.Name].Score, c.Weight, c.Required, results[c.Name].CoveragePercent, c.Name == "coverage")
            {
                ChangedLinesPercent = results[c.Name].ChangedLines?.Percent,
            })],
            requiredCoverage,
            requiredScore,
            settings.CoverageAppliesTo);

    private static List<GateCommentRow> Rows(QualityGateConfig settings, Dictionary<string, CheckRunResult> results) =>
        [.. CheckConfig.Names.Select(name =>
        {
            var check = settings.Checks.FirstOrDefault(c => c.Name == name);
            if (results.TryGetValue(name, out var result))
            {
                return new GateCommentRow(name, result.State, result.Score, check?.Required ?? false)
                {
                    Note = result.State == CheckState.Neutral ? GateTexts.Reason(result.Summary) : null,
                };
            }

            return new GateCommentRow(name, CheckState.Skipped, 0, false) { Note = settings.Skipped.FirstOrDefault(s => s.Name == name)?.Reason };
        })];

    /// <summary>The first version: open the check run, close it as neutral. Kept for gates started before checks ran.</summary>
    private async Task<QualityGateResult> ReportOnlyAsync(QualityGateInput input, RepositoryTarget target)
    {
        stage = "reporting";
        var id = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CreateCheckRunAsync(new CreateCheckRunRequest(
                target, CheckRunNames.QualityGate, input.HeadSha, "in_progress", "Quality gate started", GateTexts.Started(input.HeadSha, input.PullRequestNumber, input.Trigger))),
            ActivityPresets.GitHubCall);
        checkRunId = id;

        stage = "completing";
        const string blocking = "No checks are configured to run in this version of GitHubBot.";
        await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CompleteCheckRunAsync(new CompleteCheckRunRequest(target, id, "neutral", "No checks ran", blocking)),
            ActivityPresets.GitHubCall);

        reported = true;
        stage = "done";
        return new QualityGateResult
        {
            OverallScore = 0,
            CanMerge = false,
            Conclusion = "neutral",
            CheckRunId = id,
            BlockingIssues = [blocking],
        };
    }
}

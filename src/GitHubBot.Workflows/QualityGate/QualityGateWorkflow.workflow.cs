using System.Globalization;
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

/// <summary>
/// The quality gate of one PR head (PRODUCT.md §5): reads the repository's configuration, waits for /ok-to-test
/// when the code is not trusted, checks the head out, runs the checks in parallel, scores them, applies fixes and
/// has the fixed commit re-checked once, and reports a check run per check, a summary check run and one sticky
/// PR comment. A newer head of the same PR, or a person, can stop it: its check run then ends cancelled, saying why.
/// </summary>
[Workflow]
public sealed class QualityGateWorkflow
{
    /// <summary>The patch that separates gates running checks from the first version, which only reported.</summary>
    public const string RunsChecksPatch = "gate-runs-checks";

    /// <summary>How long a gate waits for /ok-to-test before it gives up.</summary>
    public static readonly TimeSpan OkToTestWait = TimeSpan.FromDays(30);

    private static readonly HashSet<string> TrustedAssociations = new(StringComparer.OrdinalIgnoreCase) { "OWNER", "MEMBER", "COLLABORATOR" };
    private static readonly HashSet<string> FirstTimers = new(StringComparer.OrdinalIgnoreCase) { "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE", "MANNEQUIN" };

    private readonly Dictionary<string, string> checkStates = new(StringComparer.Ordinal);
    private readonly List<string> checkOrder = [];
    private string stage = "starting";
    private long? checkRunId;
    private string? headSha;
    private bool waitingForOkToTest;
    private bool reported;
    private bool fixing;
    private string? fixesGateId;
    private CancelGate? supersededWhileFixing;

    private bool okToTest;
    private string? okToTestBy;
    private CancelGate? cancelRequest;
    private CancellationTokenSource? stop;

    [WorkflowRun]
    public async Task<QualityGateResult> RunAsync(QualityGateInput input)
    {
        if (input is null)
        {
            throw new ApplicationFailureException("QualityGateWorkflow needs an input.", errorType: "InvalidInput", nonRetryable: true);
        }

        var target = new RepositoryTarget(input.Owner, input.Repo, input.InstallationId);
        headSha = input.HeadSha;
        using var stopSource = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        stop = stopSource;

        // A Cancel signal that came with the first workflow task was handled before this method ran.
        if (cancelRequest is not null)
        {
            stopSource.Cancel();
        }

        try
        {
            return Workflow.Patched(RunsChecksPatch) ? await GateAsync(input, target) : await ReportOnlyAsync(input, target);
        }
        catch (Exception ex) when (IsCancellation(ex) && (cancelRequest is not null || Workflow.CancellationToken.IsCancellationRequested))
        {
            // Stopped by a signal (a person, or a newer push) or through Temporal: the check run says why.
            var note = cancelRequest is not { } cancel ? "The gate was cancelled before it finished."
                : cancel.SupersededBy is null ? cancel.Reason
                : $"{cancel.Reason}\n\nNewer gate: {(cancel.SupersededByUrl is { } url ? $"[{cancel.SupersededBy}]({url})" : $"`{cancel.SupersededBy}`")}";
            if (waitingForOkToTest)
            {
                await RemoveWaitingLabelAsync(target, input.PullRequestNumber);
            }

            if (checkRunId is { } openRun && !reported)
            {
                await CloseAsync(target, openRun, "cancelled", cancelRequest?.SupersededBy is null ? "Quality gate cancelled" : "Superseded by a newer commit", note);
            }

            if (Workflow.CancellationToken.IsCancellationRequested)
            {
                throw;
            }

            stage = "done";
            return new QualityGateResult
            {
                OverallScore = 0,
                CanMerge = false,
                Conclusion = "cancelled",
                CheckRunId = checkRunId ?? 0,
                BlockingIssues = [note],
            };
        }
        catch (Exception ex) when (checkRunId is { } openRun && !reported)
        {
            await CloseAsync(target, openRun, "failure", "Quality gate failed", $"The gate could not finish: {Failures.Reason(ex)}");
            throw;
        }
        finally
        {
            stop = null;
        }
    }

    /// <summary>Stops the gate: its running checks are killed and its check run ends cancelled with the reason.</summary>
    [WorkflowSignal(WorkflowSignals.Cancel)]
    public Task CancelAsync(CancelGate request)
    {
        if (request?.SupersededBy is { } newer)
        {
            if (newer == fixesGateId)
            {
                // The gate of the fixes this gate pushed: it is this gate's re-check, not a reason to stop.
                return Task.CompletedTask;
            }

            if (fixing)
            {
                // The push of the fixes may be what started the newer gate: decide once the push is known.
                supersededWhileFixing ??= request;
                return Task.CompletedTask;
            }
        }

        cancelRequest ??= request ?? new CancelGate("Cancelled.");
        stop?.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>A trusted user allowed the PR's code to run (the /ok-to-test command).</summary>
    [WorkflowSignal(WorkflowSignals.OkToTest)]
    public Task OkToTestAsync(string? by)
    {
        okToTest = true;
        okToTestBy = by;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public QualityGateStatus Status => new(
        stage,
        checkStates.Values.Count(state => state is not ("queued" or "running")),
        checkStates.Count,
        checkRunId)
    {
        Checks = [.. checkOrder.Select(name => new CheckProgress(name, checkStates[name]))],
        WaitingForOkToTest = waitingForOkToTest,
        HeadSha = headSha,
    };

    private async Task<QualityGateResult> GateAsync(QualityGateInput given, RepositoryTarget target)
    {
        var token = stop!.Token;
        var input = given;
        var lookUp = string.IsNullOrEmpty(input.CloneUrl) || string.IsNullOrEmpty(input.HeadSha);
        var pushed = input.Trigger.StartsWith("pull_request", StringComparison.Ordinal);
        PullRequestHead? head = null;
        if (lookUp || pushed)
        {
            stage = "resolving";
            try
            {
                head = await Workflow.ExecuteActivityAsync(
                    (GitHubActivities github) => github.GetPullRequestHeadAsync(target, input.PullRequestNumber),
                    With(ActivityOptionsCatalog.GitHubCall, token));
            }
            catch (ActivityFailureException ex) when (!lookUp && !IsCancellation(ex))
            {
                // A webhook's gate can run from its payload; it only cannot tell whether its head is still the newest.
                Workflow.Logger.LogWarning(ex, "Could not look up the head of #{PullRequest}; older gates are left running", input.PullRequestNumber);
            }
        }

        if (lookUp)
        {
            if (!string.IsNullOrEmpty(input.Branch) && input.Branch != head!.Branch)
            {
                throw new ApplicationFailureException(
                    $"#{input.PullRequestNumber}'s head branch is '{head.Branch}', not '{input.Branch}'.", errorType: "InvalidInput", nonRetryable: true);
            }

            input = input with
            {
                HeadSha = string.IsNullOrEmpty(input.HeadSha) ? head!.Sha : input.HeadSha,
                Branch = head!.Branch,
                CloneUrl = head.CloneUrl,
                FromFork = head.FromFork,
            };
            headSha = input.HeadSha;
        }

        // Only the gate of the PR's current head replaces the others: a late or repeated delivery of an older
        // push must not stop the gate of the newer one.
        if (pushed && head?.Sha == input.HeadSha)
        {
            stage = "superseding";
            var supersede = new SupersedeRequest(
                input.Owner, input.Repo, input.PullRequestNumber, input.HeadSha, Workflow.Info.WorkflowId, Workflow.Info.Parent?.WorkflowId);
            await Workflow.ExecuteActivityAsync(
                (GateControlActivities control) => control.SupersedeOlderGatesAsync(supersede),
                With(ActivityOptionsCatalog.TemporalCall, token));
        }

        stage = "reading configuration";
        var config = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.FetchRepoConfigAsync(target),
            With(ActivityOptionsCatalog.GitHubCall, token));
        if (config.Problems.Count > 0)
        {
            return await InvalidConfigAsync(input, target, config, token);
        }

        var gateSection = config.Resolve().QualityGate;
        if (Untrusted(input, gateSection.TrustForks) is { } why)
        {
            stage = "waiting for /ok-to-test";
            waitingForOkToTest = true;
            var explanation = $"{why} GitHubBot runs nothing from it until someone with write access comments `/ok-to-test` on #{input.PullRequestNumber}.";
            var waitingRequest = new PublishCheckRunRequest(target, CheckRunNames.QualityGate, input.HeadSha, "neutral", "Waiting for /ok-to-test", explanation, []);
            var waiting = await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.PublishCheckRunAsync(waitingRequest),
                With(ActivityOptionsCatalog.GitHubCall, token));

            // Closed as cancelled, with the reason, when the gate stops while it waits.
            checkRunId = waiting;
            var label = new LabelRequest(target, input.PullRequestNumber, GateLabels.NeedsOkToTest, true);
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetLabelAsync(label), With(ActivityOptionsCatalog.GitHubCall, token));
            if (!await Workflow.WaitConditionAsync(() => okToTest, OkToTestWait, token))
            {
                await RemoveWaitingLabelAsync(target, input.PullRequestNumber);
                stage = "done";
                return new QualityGateResult
                {
                    OverallScore = 0,
                    CanMerge = false,
                    Conclusion = "neutral",
                    CheckRunId = waiting,
                    BlockingIssues = [$"Nobody allowed the code to run within {OkToTestWait.TotalDays:0} days."],
                };
            }

            waitingForOkToTest = false;
            var unlabel = label with { Present = false };
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetLabelAsync(unlabel), With(ActivityOptionsCatalog.GitHubCall, token));
            var logger = Workflow.Logger;
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Gate allowed to run by {User}", okToTestBy);
            }
        }

        stage = "reporting";
        var started = new CreateCheckRunRequest(
            target,
            CheckRunNames.QualityGate,
            input.HeadSha,
            "in_progress",
            "Quality gate started",
            $"GitHubBot is checking `{ShortSha(input.HeadSha)}` of #{input.PullRequestNumber} ({input.Trigger}).");
        checkRunId = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CreateCheckRunAsync(started),
            With(ActivityOptionsCatalog.GitHubCall, token));

        var workspace = new WorkspaceRef(Workflow.Info.RunId, target, input.CloneUrl!, input.HeadSha);
        QualityGateResult result;
        try
        {
            result = await CheckAsync(input, target, workspace, gateSection, token);
        }
        finally
        {
            // On a token of its own: the gate's token is already cancelled when the gate was stopped.
            using var detached = new CancellationTokenSource();
            try
            {
                await Workflow.ExecuteActivityAsync(
                    (GateActivities gate) => gate.RemoveWorkspaceAsync(workspace.Key),
                    With(ActivityOptionsCatalog.Workspace, detached.Token));
            }
            catch (ActivityFailureException ex)
            {
                Workflow.Logger.LogWarning(ex, "Could not remove workspace {Workspace}", workspace.Key);
            }
        }

        if (result.FixedSha is { } fixedSha)
        {
            stage = "re-checking the fixes";
            result = result with { Recheck = await RecheckAsync(input, fixedSha, result.AutoFixesApplied, stop!.Token) };
        }

        stage = "done";
        return result;
    }

    private async Task<QualityGateResult> CheckAsync(QualityGateInput input, RepositoryTarget target, WorkspaceRef workspace, QualityGateSection gateSection, CancellationToken token)
    {
        stage = "checking out";
        var settings = await Workflow.ExecuteActivityAsync(
            (GateActivities gate) => gate.PrepareWorkspaceAsync(new PrepareWorkspaceRequest(workspace, gateSection)),
            With(ActivityOptionsCatalog.Workspace, token));
        var requiredScore = input.RequiredScore ?? settings.RequiredScore;
        var requiredCoverage = input.RequiredCoverage ?? settings.RequiredCoverage;

        var results = await RunChecksAsync(target, workspace, settings.Checks, token);
        var verdict = Decide(settings, results, requiredCoverage, requiredScore);

        var fixesApplied = new List<string>();
        var notes = new List<string>();
        string? fixedSha = null;
        var fixable = settings.Checks.Where(c => c.Fix is not null && results.TryGetValue(c.Name, out var r) && r.State != CheckState.Passed).ToList();
        if ((input.AttemptAutoFix || settings.AutoFix) && input.Trigger != AutoFixTrigger && fixable.Count > 0)
        {
            stage = "fixing";
            var push = !input.FromFork;
            var fixRequest = new ApplyFixesRequest(workspace, [.. fixable.Select(c => new FixCommand(c.Name, c.Fix!, c.Timeout))], push, input.Branch);
            fixing = true;
            var fixes = await Workflow.ExecuteActivityAsync(
                (GateActivities gate) => gate.ApplyFixesAsync(fixRequest),
                With(ActivityOptionsCatalog.Check(fixable.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Timeout)), token));
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

            fixesApplied.AddRange(fixes.Applied);
            notes.AddRange(fixes.Failed.Select(f => $"Fix failed: {f}"));
            if (fixes.NotAttempted is { } why)
            {
                notes.Add(why);
            }
            else if (fixes.PushedSha is { } pushedSha)
            {
                fixedSha = pushedSha;
                notes.Add($"Fixes pushed as `{ShortSha(pushedSha)}`; the gate of that commit checks them again.");
            }
            else if (fixes.Diff is { } diff)
            {
                var fence = GitHubText.Fence(diff);
                notes.Add(push
                    ? $"The fixes could not be pushed ({fixes.PushError}). The change they make:\n\n{fence}diff\n{diff}\n{fence}"
                    : $"This pull request comes from a fork, so GitHubBot does not push to it. Apply the fixes with `git apply`:\n\n{fence}diff\n{diff}\n{fence}");
            }
            else if (fixes.Applied.Count == 0)
            {
                notes.Add("The fix commands changed nothing.");
            }
        }

        // The report of this commit goes out before any re-check, which then reports on the fixed commit itself.
        stage = "reporting";
        var rows = Rows(settings, results);
        var summary = Render(input.HeadSha, verdict, rows, [.. input.FixesBefore, .. fixesApplied], notes);
        var conclusion = verdict.CanMerge ? "success" : (results.Count == 0 ? "neutral" : "failure");
        // GitHub sends a fork PR's button clicks without the PR, so buttons are only offered where they work.
        var buttons = new List<CheckRunButton>();
        if (!input.FromFork)
        {
            if (fixable.Count > 0 && fixedSha is null)
            {
                buttons.Add(new("Apply fixes", "Run the fix commands and push", GateButtons.ApplyFixes));
            }

            buttons.Add(new("Re-run", "Run every check again", GateButtons.Rerun));
        }

        var complete = new CompleteCheckRunRequest(
            target,
            checkRunId!.Value,
            conclusion,
            string.Create(CultureInfo.InvariantCulture, $"{verdict.Score:0.#}/100 — {(verdict.CanMerge ? "ready to merge" : results.Count == 0 ? "no checks ran" : "blocked")}"),
            summary)
        {
            Buttons = buttons,
        };
        await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CompleteCheckRunAsync(complete),
            With(ActivityOptionsCatalog.GitHubCall, token));
        reported = true;
        var comment = new UpsertCommentRequest(target, input.PullRequestNumber, GateComment.Marker, summary);
        await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.UpsertStickyCommentAsync(comment),
            With(ActivityOptionsCatalog.GitHubCall, token));

        stage = "reported";
        reported = true;
        return new QualityGateResult
        {
            OverallScore = verdict.Score,
            CanMerge = verdict.CanMerge,
            Conclusion = conclusion,
            CheckRunId = checkRunId!.Value,
            Checks = [.. settings.Checks.Where(c => results.ContainsKey(c.Name)).Select(c => new CheckOutcome(
                c.Name, results[c.Name].State == CheckState.Passed, results[c.Name].Score, c.Required, results[c.Name].Summary, results[c.Name].Annotations.Count))],
            AutoFixesApplied = fixesApplied,
            BlockingIssues = verdict.BlockingIssues,
            FixedSha = fixedSha,
        };
    }

    /// <summary>The trigger of the gate that re-checks a commit of fixes: it never fixes again.</summary>
    public const string AutoFixTrigger = "auto-fix";

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
            FixesBefore = [.. input.FixesBefore, .. fixesApplied.Select(f => $"{f} (in `{ShortSha(fixedSha)}`)")],
        };
        try
        {
            var child = await Workflow.StartChildWorkflowAsync(
                (QualityGateWorkflow wf) => wf.RunAsync(recheckInput),
                new ChildWorkflowOptions
                {
                    Id = id,
                    ParentClosePolicy = ParentClosePolicy.Abandon,
                    IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                    // Never cancelled with this gate: the re-check is the gate of the PR's new head.
                    CancellationToken = CancellationToken.None,
                });

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
        catch (WorkflowAlreadyStartedException)
        {
            var logger = Workflow.Logger;
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("The gate of the fixes commit, {WorkflowId}, was already started by its webhook", id);
            }

            return null;
        }
        catch (ChildWorkflowFailureException ex)
        {
            Workflow.Logger.LogWarning(ex, "The re-check of the fixes, {WorkflowId}, failed", id);
            return null;
        }
    }

    private async Task<Dictionary<string, CheckRunResult>> RunChecksAsync(RepositoryTarget target, WorkspaceRef workspace, IReadOnlyList<CheckConfig> checks, CancellationToken token)
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
                    With(ActivityOptionsCatalog.Check(check.Timeout), token));
            }
            catch (ActivityFailureException ex) when (!IsCancellation(ex))
            {
                // One check that could not run (its worker died twice, its checkout failed) fails that check, not the gate.
                result = new CheckRunResult(check.Name, CheckState.Failed, 0, $"`{check.Run}` could not run: {Failures.Reason(ex)}", [], null, 0);
            }

            results[check.Name] = result;
            checkStates[check.Name] = StateName(result.State);
            var publish = new PublishCheckRunRequest(
                target,
                CheckRunNames.ForCheck(check.Name),
                workspace.HeadSha,
                result.State switch
                {
                    CheckState.Passed => "success",
                    CheckState.Cancelled => "cancelled",
                    CheckState.TimedOut when check.Required => "timed_out",
                    _ => check.Required ? "failure" : "neutral",
                },
                string.Create(CultureInfo.InvariantCulture, $"{StateName(result.State).Replace('_', ' ')} — {result.Score:0.#}/100"),
                result.Summary,
                result.Annotations);
            await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.PublishCheckRunAsync(publish),
                With(ActivityOptionsCatalog.GitHubCall, token));
        }

        await Workflow.WhenAllAsync(checks.Select(RunOneAsync));
        return results;
    }

    private static Verdict Decide(QualityGateConfig settings, Dictionary<string, CheckRunResult> results, double requiredCoverage, double requiredScore) =>
        VerdictRules.Decide(
            [.. settings.Checks.Where(c => results.ContainsKey(c.Name)).Select(c => new CheckOutcomeInput(
                c.Name, results[c.Name].State, results[c.Name].Score, c.Weight, c.Required, results[c.Name].CoveragePercent, c.Name == "coverage"))],
            requiredCoverage,
            requiredScore);

    private static List<GateCommentRow> Rows(QualityGateConfig settings, Dictionary<string, CheckRunResult> results) =>
        [.. CheckConfig.Names.Select(name =>
        {
            var check = settings.Checks.FirstOrDefault(c => c.Name == name);
            return results.TryGetValue(name, out var result)
                ? new GateCommentRow(name, result.State, result.Score, check?.Required ?? false)
                : new GateCommentRow(name, CheckState.Skipped, 0, false);
        })];

    private static string Render(string sha, Verdict verdict, List<GateCommentRow> rows, List<string> fixesApplied, List<string> notes)
    {
        var text = GateComment.Render(sha, verdict, rows, fixesApplied, null);
        return notes.Count == 0 ? text : GitHubText.Truncate($"{text}\n**Notes**\n\n{string.Join("\n\n", notes)}\n");
    }

    private async Task<QualityGateResult> InvalidConfigAsync(QualityGateInput input, RepositoryTarget target, RepoConfigResult config, CancellationToken token)
    {
        stage = "reporting";
        var problems = config.Problems.Select(p => p.ToString()).ToList();
        var annotations = config.Problems
            .Where(p => p.Line is > 0 && p.Source.EndsWith($"{input.Owner}/{input.Repo}: .github/ghbot.yml", StringComparison.Ordinal))
            .Select(p => new Annotation(".github/ghbot.yml", p.Line!.Value, p.Line.Value, AnnotationLevel.Failure, p.Message, p.Key))
            .ToList();
        var publish = new PublishCheckRunRequest(
            target,
            CheckRunNames.QualityGate,
            input.HeadSha,
            "failure",
            "Invalid .github/ghbot.yml",
            "GitHubBot cannot run the gate until the configuration is fixed:\n\n" + string.Join("\n", problems.Select(p => $"- {p}")),
            annotations);
        checkRunId = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.PublishCheckRunAsync(publish),
            With(ActivityOptionsCatalog.GitHubCall, token));
        reported = true;
        stage = "done";
        return new QualityGateResult
        {
            OverallScore = 0,
            CanMerge = false,
            Conclusion = "failure",
            CheckRunId = checkRunId.Value,
            BlockingIssues = problems,
        };
    }

    /// <summary>Why the PR's code may not run without /ok-to-test, or null when it may.</summary>
    private static string? Untrusted(QualityGateInput input, bool trustForks)
    {
        if (input.AuthorAssociation is not { } association || TrustedAssociations.Contains(association))
        {
            return null;
        }

        if (FirstTimers.Contains(association))
        {
            return "This pull request is from a first-time contributor.";
        }

        return input.FromFork && !trustForks ? "This pull request comes from a fork." : null;
    }

    /// <summary>The first version: open the check run, close it as neutral. Kept for gates started before checks ran.</summary>
    private async Task<QualityGateResult> ReportOnlyAsync(QualityGateInput input, RepositoryTarget target)
    {
        stage = "reporting";
        var id = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CreateCheckRunAsync(new CreateCheckRunRequest(
                target,
                CheckRunNames.QualityGate,
                input.HeadSha,
                "in_progress",
                "Quality gate started",
                $"GitHubBot is checking `{ShortSha(input.HeadSha)}` of #{input.PullRequestNumber} ({input.Trigger}).")),
            ActivityOptionsCatalog.GitHubCall);
        checkRunId = id;

        stage = "completing";
        const string blocking = "No checks are configured to run in this version of GitHubBot.";
        await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CompleteCheckRunAsync(new CompleteCheckRunRequest(target, id, "neutral", "No checks ran", blocking)),
            ActivityOptionsCatalog.GitHubCall);

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

    /// <summary>Takes the needs-ok-to-test label off a PR whose gate stopped waiting, on a token of its own; a failure is logged.</summary>
    private static async Task RemoveWaitingLabelAsync(RepositoryTarget target, int pullRequest)
    {
        using var detached = new CancellationTokenSource();
        var request = new LabelRequest(target, pullRequest, GateLabels.NeedsOkToTest, false);
        try
        {
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetLabelAsync(request), With(ActivityOptionsCatalog.GitHubCall, detached.Token));
        }
        catch (ActivityFailureException ex)
        {
            Workflow.Logger.LogWarning(ex, "Could not remove the {Label} label", request.Label);
        }
    }

    /// <summary>Closes the summary check run on a token of its own (the gate's may be cancelled); a failure is logged, not thrown.</summary>
    private static async Task CloseAsync(RepositoryTarget target, long runId, string conclusion, string title, string summary)
    {
        using var detached = new CancellationTokenSource();
        var options = With(ActivityOptionsCatalog.GitHubCall, detached.Token);
        options.ScheduleToCloseTimeout = TimeSpan.FromMinutes(5);
        try
        {
            await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.CompleteCheckRunAsync(new CompleteCheckRunRequest(target, runId, conclusion, title, summary)),
                options);
        }
        catch (ActivityFailureException closeFailure)
        {
            Workflow.Logger.LogWarning(closeFailure, "Could not close check run {CheckRunId} after the gate ended early", runId);
        }
    }

    private static bool IsCancellation(Exception ex) => TemporalException.IsCanceledException(ex) || ex is OperationCanceledException;

    private static ActivityOptions With(ActivityOptions options, CancellationToken token)
    {
        options.CancellationToken = token;
        return options;
    }

    private static string StateName(CheckState state) => state switch
    {
        CheckState.Passed => "passed",
        CheckState.Failed => "failed",
        CheckState.TimedOut => "timed_out",
        CheckState.Cancelled => "cancelled",
        _ => "skipped",
    };

    private static string ShortSha(string sha) => sha.Length > 7 ? sha[..7] : sha;
}

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
/// The quality gate of one PR head: reads the repository's configuration, waits for /ok-to-test when the code is
/// not trusted, checks the head out, runs the checks in parallel, scores them, applies fixes and has the fixed
/// commit re-checked once, and reports a check run per check, a summary check run and one sticky PR comment
/// (<see cref="GateTexts"/>). A newer head of the same PR, or a person, can stop it: its check run then ends
/// cancelled, saying why. This file holds the gate's course; the checks and fixes are in
/// <c>QualityGateWorkflow.Checks.workflow.cs</c>.
/// </summary>
[Workflow]
public sealed partial class QualityGateWorkflow
{
    /// <summary>The patch that separates gates running checks from the first version, which only reported.</summary>
    public const string RunsChecksPatch = "gate-runs-checks";

    /// <summary>How long a gate waits for /ok-to-test before it gives up.</summary>
    public static readonly TimeSpan OkToTestWait = TimeSpan.FromDays(30);

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
        catch (Exception ex) when (Failures.IsCancellation(ex) && (cancelRequest is not null || Workflow.CancellationToken.IsCancellationRequested))
        {
            // Stopped by a signal (a person, or a newer push) or through Temporal: the check run says why.
            var note = GateTexts.CancelledNote(cancelRequest);
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
            return QualityGateResult.Cancelled(note, checkRunId ?? 0);
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
        var input = await ResolveAsync(given, target, token);

        stage = "reading configuration";
        var config = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.FetchRepoConfigAsync(target),
            ActivityPresets.GitHubCall.WithCancellation(token));
        if (config.Problems.Count > 0)
        {
            return await InvalidConfigAsync(input, target, config, token);
        }

        var gateSection = config.Resolve().QualityGate;
        if (GateTexts.Untrusted(input.AuthorAssociation, input.FromFork, gateSection.TrustForks) is { } why
            && await WaitForOkToTestAsync(input, target, why, token) is { } expired)
        {
            return expired;
        }

        stage = "reporting";
        var started = new CreateCheckRunRequest(
            target, CheckRunNames.QualityGate, input.HeadSha, "in_progress", "Quality gate started", GateTexts.Started(input.HeadSha, input.PullRequestNumber, input.Trigger));
        checkRunId = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.CreateCheckRunAsync(started),
            ActivityPresets.GitHubCall.WithCancellation(token));

        var workspace = new WorkspaceRef(Workflow.Info.RunId, target, input.CloneUrl!, input.HeadSha) { BaseSha = input.BaseSha };
        QualityGateResult result;
        try
        {
            result = await CheckAsync(input, target, workspace, gateSection, config.Resolve().Agents, token);
        }
        finally
        {
            await RemoveWorkspaceAsync(workspace);
        }

        if (result.FixedSha is { } fixedSha)
        {
            stage = "re-checking the fixes";
            result = result with { Recheck = await RecheckAsync(input, fixedSha, result.AutoFixesApplied, stop!.Token) };
        }

        stage = "done";
        return result;
    }

    /// <summary>
    /// The input with the PR's head filled in when the gate was started without one (an operator, a command), after
    /// the gate of the PR's current head had the gates of its older heads stopped.
    /// </summary>
    private async Task<QualityGateInput> ResolveAsync(QualityGateInput given, RepositoryTarget target, CancellationToken token)
    {
        var input = given;
        var lookUp = string.IsNullOrEmpty(input.CloneUrl) || string.IsNullOrEmpty(input.HeadSha) || input.TrustFromPullRequest;
        var pushed = input.Trigger.StartsWith("pull_request", StringComparison.Ordinal);
        PullRequestHead? head = null;
        if (lookUp || pushed)
        {
            stage = "resolving";
            try
            {
                head = await Workflow.ExecuteActivityAsync(
                    (GitHubActivities github) => github.GetPullRequestHeadAsync(target, input.PullRequestNumber),
                    ActivityPresets.GitHubCall.WithCancellation(token));
            }
            catch (ActivityFailureException ex) when (!lookUp && !Failures.IsCancellation(ex))
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
                BaseSha = input.BaseSha ?? head!.BaseSha,
                Branch = head!.Branch,
                CloneUrl = head.CloneUrl,
                FromFork = head.FromFork,
            };
            headSha = input.HeadSha;
        }

        // A re-run or a command vouches for no one: the PR is judged as its pull_request delivery would be (a new
        // input field, so gates started before it replay as they ran).
        if (input.TrustFromPullRequest)
        {
            var fromFork = given.FromFork || head!.FromFork;
            input = input with { FromFork = fromFork, AuthorAssociation = PullRequestTrust.Association(head!.AuthorAssociation, head.AuthorIsBot, fromFork) };
        }

        if (input.BaseSha is null && head?.BaseSha is { } baseSha)
        {
            input = input with { BaseSha = baseSha };
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
                ActivityPresets.TemporalCall.WithCancellation(token));
        }

        return input;
    }

    /// <summary>
    /// Runs nothing of an untrusted PR until a trusted user's /ok-to-test: a neutral check run and the
    /// needs-ok-to-test label say so meanwhile. Returns the gate's result when nobody allowed it in time, else null.
    /// </summary>
    private async Task<QualityGateResult?> WaitForOkToTestAsync(QualityGateInput input, RepositoryTarget target, string why, CancellationToken token)
    {
        stage = "waiting for /ok-to-test";
        waitingForOkToTest = true;
        var waitingRequest = new PublishCheckRunRequest(
            target, CheckRunNames.QualityGate, input.HeadSha, "neutral", "Waiting for /ok-to-test", GateTexts.WaitingForOkToTest(why, input.PullRequestNumber), []);
        var waiting = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.PublishCheckRunAsync(waitingRequest),
            ActivityPresets.GitHubCall.WithCancellation(token));

        // Closed as cancelled, with the reason, when the gate stops while it waits.
        checkRunId = waiting;
        var label = new LabelRequest(target, input.PullRequestNumber, GateLabels.NeedsOkToTest, true);
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetLabelAsync(label), ActivityPresets.GitHubCall.WithCancellation(token));
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
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetLabelAsync(unlabel), ActivityPresets.GitHubCall.WithCancellation(token));
        var logger = Workflow.Logger;
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Gate allowed to run by {User}", okToTestBy);
        }

        return null;
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
            target, CheckRunNames.QualityGate, input.HeadSha, "failure", "Invalid .github/ghbot.yml", GateTexts.InvalidConfig(problems), annotations);
        checkRunId = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.PublishCheckRunAsync(publish),
            ActivityPresets.GitHubCall.WithCancellation(token));
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

    /// <summary>Removes the gate's workspace on a token of its own (the gate's is cancelled when it was stopped); a failure is logged.</summary>
    private static async Task RemoveWorkspaceAsync(WorkspaceRef workspace)
    {
        using var detached = new CancellationTokenSource();
        try
        {
            await Workflow.ExecuteActivityAsync(
                (GateActivities gate) => gate.RemoveWorkspaceAsync(workspace.Key),
                ActivityPresets.Workspace.WithCancellation(detached.Token));
        }
        catch (ActivityFailureException ex)
        {
            Workflow.Logger.LogWarning(ex, "Could not remove workspace {Workspace}", workspace.Key);
        }
    }

    /// <summary>Takes the needs-ok-to-test label off a PR whose gate stopped waiting, on a token of its own; a failure is logged.</summary>
    private static async Task RemoveWaitingLabelAsync(RepositoryTarget target, int pullRequest)
    {
        using var detached = new CancellationTokenSource();
        var request = new LabelRequest(target, pullRequest, GateLabels.NeedsOkToTest, false);
        try
        {
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetLabelAsync(request), ActivityPresets.GitHubCall.WithCancellation(detached.Token));
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
        var options = ActivityPresets.GitHubCall.WithCancellation(detached.Token);
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
}

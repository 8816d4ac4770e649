using System.Globalization;
using System.Text;
using GitHubBot.Core.Agents;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.PlanPatchPr;

/// <summary>
/// Plan → patch → PR (PRODUCT.md §5): an issue becomes a tested pull request through LLM agents. The architect
/// writes a design (posted on the issue; a human may have to /approve it), the planner splits it into sub-issues,
/// one coder per sub-issue writes edits on the same base in parallel, the edits are merged in dependency order (a
/// conflict sends its coder back with the conflict), a reviewer looks at the whole change, a branch gets one commit
/// per sub-issue, a draft PR is opened, the quality gate runs as a child workflow and its failures go back to a coder
/// for a few rounds; the PR is marked ready when the gate passes and merged when allowed. Every step shows in one
/// progress comment on the issue. Budgets (tokens, agent calls) stop a run cleanly. A failure or /cancel undoes what
/// the run left behind (branch, PR, sub-issues) and says why.
/// </summary>
[Workflow]
public sealed class PlanPatchPrWorkflow
{
    /// <summary>The label of the sub-issues GitHubBot opens.</summary>
    public const string SubIssueLabel = "ghbot:sub-issue";

    /// <summary>The label sub-issues get when their run was undone.</summary>
    public const string AbandonedLabel = "ghbot:abandoned";

    /// <summary>The most bytes of edits one run's patches may hold together (escaped as JSON, they must stay well under Temporal's 2 MB payloads).</summary>
    public const int MaxChangeBytes = 600_000;

    private static readonly string[] StepNames = ["Design", "Approval", "Sub-issues", "Patches", "Review", "Branch", "Pull request", "Quality gate", "Merge"];

    private readonly List<ProgressStep> steps = [.. StepNames.Select(name => new ProgressStep(name, "pending"))];
    private readonly List<string> notes = [];
    /// <summary>What the run made, newest last, each with its undo (which says what it did).</summary>
    private readonly List<(string What, Func<CancellationToken, Task<string>> Undo)> compensations = [];
    private readonly List<IssueInfo> subIssues = [];

    private string stage = "starting";
    private bool hasDesign;
    private int patchesCount;
    private bool qaCompleted;
    private double? qaScore;
    private int fixRound;
    private PullRequestRef? pullRequest;
    private string? branchHead;
    private long tokensUsed;
    private int iterations;
    private bool waitingForApproval;
    private PlanDecision? decision;
    private string? cancelReason;
    private CancellationTokenSource? stop;

    private RepositoryTarget target = null!;
    private int issueNumber;
    private string? requestedBy;

    [WorkflowRun]
    public async Task<PlanPatchPrResult> RunAsync(PlanPatchPrInput input)
    {
        if (input is null || input.IssueNumber is null && string.IsNullOrWhiteSpace(input.Requirement))
        {
            throw new ApplicationFailureException("PlanPatchPrWorkflow needs an issue number or a requirement.", errorType: "InvalidInput", nonRetryable: true);
        }

        target = new RepositoryTarget(input.Owner, input.Repo, input.InstallationId);
        requestedBy = input.RequestedBy;
        using var stopSource = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        stop = stopSource;
        if (cancelReason is not null)
        {
            stopSource.Cancel();
        }

        try
        {
            return await PlanAsync(input, stopSource.Token);
        }
        catch (Exception ex) when (IsCancellation(ex) && (cancelReason is not null || Workflow.CancellationToken.IsCancellationRequested))
        {
            var why = cancelReason ?? "The run was cancelled through Temporal.";
            var undone = await CompensateAsync(why);
            stage = "cancelled";
            if (issueNumber > 0)
            {
                await ProgressAsync($"**Cancelled.** {why}", Undone(undone), detached: true);
            }

            if (Workflow.CancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return Result("cancelled", $"{why} {Undone(undone)}".Trim());
        }
        catch (Exception ex) when (!IsCancellation(ex) && ex is not InvalidWorkflowOperationException)
        {
            var why = Explain(ex);

            var undone = await CompensateAsync(why);
            stage = "failed";
            if (issueNumber > 0)
            {
                await ProgressAsync($"**Stopped.** {why}", Undone(undone), detached: true);
            }

            // The run fails with the explanation people read, typed by its cause (BudgetExhausted, AgentsNotConfigured, …);
            // an exception of any other kind would fail only the workflow task, and retry forever.
            throw new ApplicationFailureException(why, ex, errorType: Cause(ex)?.ErrorType ?? "PlanFailed", nonRetryable: true);
        }
        finally
        {
            stop = null;
        }
    }

    /// <summary>Stops the run: running agents and the gate are cancelled, the branch, PR and sub-issues are undone.</summary>
    [WorkflowSignal(WorkflowSignals.Cancel)]
    public Task CancelAsync(string? reason)
    {
        cancelReason ??= string.IsNullOrWhiteSpace(reason) ? "Cancelled." : reason;
        stop?.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Approves the design (the /approve command).</summary>
    [WorkflowSignal(WorkflowSignals.Approve)]
    public Task ApproveAsync(string? by)
    {
        decision ??= new PlanDecision(true, by ?? "an operator");
        return Task.CompletedTask;
    }

    /// <summary>Rejects the design (the /reject command); the argument says who and why.</summary>
    [WorkflowSignal(WorkflowSignals.Reject)]
    public Task RejectAsync(PlanDecision? rejection)
    {
        decision ??= (rejection ?? new PlanDecision(false, "an operator")) with { Approved = false };
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public PlanPatchPrStatus Status => new(hasDesign, subIssues.Count, patchesCount, qaCompleted, pullRequest is not null, pullRequest?.Url)
    {
        Stage = stage,
        IssueNumber = issueNumber == 0 ? null : issueNumber,
        WaitingForApproval = waitingForApproval,
        FixRound = fixRound,
        QaScore = qaScore,
        TokensUsed = tokensUsed,
        Iterations = iterations,
    };

    private async Task<PlanPatchPrResult> PlanAsync(PlanPatchPrInput input, CancellationToken token)
    {
        stage = "reading configuration";
        var config = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.FetchRepoConfigAsync(target), With(ActivityOptionsCatalog.GitHubCall, token));
        if (input.IssueNumber is { } number)
        {
            issueNumber = number;
        }

        if (config.Problems.Count > 0)
        {
            if (issueNumber == 0)
            {
                issueNumber = (await OpenParentIssueAsync(input, token)).Number;
            }

            throw new ApplicationFailureException(
                "`.github/ghbot.yml` is not valid: " + string.Join("; ", config.Problems.Select(p => p.ToString())), errorType: "InvalidConfig", nonRetryable: true);
        }

        var settings = PlanSettings.From(config.Resolve());
        var issue = input.IssueNumber is { } existing
            ? await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetIssueAsync(target, existing), With(ActivityOptionsCatalog.GitHubCall, token))
            : await OpenParentIssueAsync(input, token);
        issueNumber = issue.Number;
        var requirement = IssueText(issue, input);

        stage = "designing";
        Step("Design", "running");
        await ProgressAsync("Working on it.");
        var repository = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetRepositoryAsync(target), With(ActivityOptionsCatalog.GitHubCall, token));
        var baseSnapshot = new RepoSnapshot(target, repository.CloneUrl, repository.HeadSha);
        var design = await AskAsync<DesignAnswer>("architect", $"# Issue #{issue.Number}: {issue.Title}\n\n{requirement}", new RepoView(baseSnapshot, [], [], FilesNamedInTask: true), settings, token);
        var designComment = DesignComment(design, settings.RequireApproval);
        var designId = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(target, issueNumber, designComment)), With(ActivityOptionsCatalog.GitHubCall, token));
        hasDesign = true;
        Step("Design", "done", string.Create(CultureInfo.InvariantCulture, $"[posted below]({issue.Url}#issuecomment-{designId})"));

        if (settings.RequireApproval)
        {
            stage = "waiting for approval";
            waitingForApproval = true;
            Step("Approval", "waiting", "comment `/approve` to go on, or `/reject [reason]` to stop");
            await ProgressAsync("The design is waiting for approval.");
            var answered = await Workflow.WaitConditionAsync(() => decision is not null, settings.ApprovalTimeout, token);
            waitingForApproval = false;
            if (!answered || decision is not { Approved: true })
            {
                var why = answered
                    ? $"@{decision!.By} rejected the design{(string.IsNullOrWhiteSpace(decision.Reason) ? "." : $": {decision.Reason}")}"
                    : $"Nobody approved the design within {settings.ApprovalTimeout.TotalHours:0} hours.";
                Step("Approval", "failed", why);
                stage = "done";
                await ProgressAsync($"**Stopped.** {why} Nothing was changed; label the issue again or comment `/plan` to start over.");
                return Result(answered ? "rejected" : "expired", why);
            }

            Step("Approval", "done", $"approved by @{decision.By}");
        }
        else
        {
            Step("Approval", "skipped", "not required by the configuration");
        }

        // The planner's sub-issues, with dependencies that make sense.
        stage = "planning";
        Step("Sub-issues", "running");
        await ProgressAsync("Splitting the work into sub-issues.");
        var plannerTask = $"# Issue #{issue.Number}: {issue.Title}\n\n{requirement}\n\n# Design\n\n{design.Design}";
        var plan = await AskAsync<PlanAnswer>("planner", plannerTask, new RepoView(baseSnapshot, [], design.Files), settings, token);
        var (order, graphProblems) = PlanGraph.Order([.. plan.SubIssues.Select(s => s.DependsOn)]);
        if (graphProblems.Count > 0)
        {
            plan = await AskAsync<PlanAnswer>(
                "planner",
                $"{plannerTask}\n\n# Your earlier plan cannot be used\n\n{string.Join("\n", graphProblems.Select(p => $"- {p}"))}",
                new RepoView(baseSnapshot, [], design.Files),
                settings,
                token);
            (order, graphProblems) = PlanGraph.Order([.. plan.SubIssues.Select(s => s.DependsOn)]);
            if (graphProblems.Count > 0)
            {
                throw new ApplicationFailureException($"The planner's sub-issues cannot be ordered: {string.Join(" ", graphProblems)}", errorType: "InvalidPlan", nonRetryable: true);
            }
        }

        await OpenSubIssuesAsync(issue, plan, token);
        Step("Sub-issues", "done", string.Join(", ", subIssues.Select(s => $"#{s.Number}")));

        // One coder per sub-issue, in parallel, on the same base; then their patches merged in dependency order.
        stage = "coding";
        Step("Patches", "running", $"{plan.SubIssues.Count} coders at work");
        await ProgressAsync("Writing the patches.");
        var patches = await Workflow.WhenAllAsync(Enumerable.Range(0, plan.SubIssues.Count).Select(i =>
            CodeAsync(SubIssueTask(issue, design, plan.SubIssues[i], subIssues[i]), CoderFiles(plan.SubIssues[i], design), PatchMessage(plan.SubIssues[i], subIssues[i]), baseSnapshot, [], null, settings, token)));
        var merged = new List<Patch>();
        foreach (var i in order)
        {
            EnsureFits([.. merged, patches[i]]);
            var conflicts = merged.Count == 0 ? [] : await CheckAsync(baseSnapshot, merged, patches[i], token);
            if (conflicts.Count > 0)
            {
                notes.Add($"The patch of #{subIssues[i].Number} conflicted with the ones before it; its coder was asked again.");
                patches[i] = await CodeAsync(
                    SubIssueTask(issue, design, plan.SubIssues[i], subIssues[i]),
                    CoderFiles(plan.SubIssues[i], design),
                    PatchMessage(plan.SubIssues[i], subIssues[i]),
                    baseSnapshot,
                    [.. merged],
                    "Your edits conflict with the changes of the other sub-issues, which are already in the files you are shown now:\n"
                        + string.Join("\n", conflicts.Select(c => $"- {c}")),
                    settings,
                    token);
            }

            merged.Add(patches[i]);
            patchesCount = merged.Count;
        }

        Step("Patches", "done", $"{merged.Count} patches");

        // The reviewer sees the whole change; edits that fix its blockers go in as one more commit.
        stage = "reviewing";
        Step("Review", "running");
        await ProgressAsync("Reviewing the change.");
        var touched = merged.SelectMany(p => p.Edits).Select(e => e.Path).Distinct(StringComparer.Ordinal).ToList();
        var review = await AskAsync<ReviewAnswer>("reviewer", $"# Issue #{issue.Number}: {issue.Title}\n\n{requirement}\n\n# Design\n\n{design.Design}", new RepoView(baseSnapshot, [.. merged], touched, Diff: true), settings, token);
        var reviewDetail = review.Approve ? "approved" : "changes asked";
        if (review.Edits is { Count: > 0 } reviewEdits)
        {
            var reviewPatch = new Patch($"Apply review findings for #{issue.Number}\n\n{string.Join("\n", review.Findings.Select(f => $"- {f.Severity}: {f.Message}"))}", Normalized(reviewEdits), Workflow.UtcNow);
            EnsureFits([.. merged, reviewPatch]);
            var problems = await CheckAsync(baseSnapshot, merged, reviewPatch, token);
            if (problems.Count == 0)
            {
                merged.Add(reviewPatch);
                patchesCount = merged.Count;
                reviewDetail += ", its edits applied";
            }
            else
            {
                notes.Add($"The reviewer's edits did not apply and were left out: {string.Join(" ", problems)}");
            }
        }

        Step("Review", "done", $"{reviewDetail}, {review.Findings.Count} findings");

        // The branch: one commit per sub-issue (and the review's), pushed; undone if the run fails.
        stage = "pushing";
        Step("Branch", "running");
        var branch = $"ghbot/issue-{issue.Number}-{Workflow.Info.RunId[..8]}";
        compensations.Add(($"the branch `{branch}`", undo => DeleteBranchAsync(branch, undo)));
        var pushRequest = new PushPatchesRequest(baseSnapshot, [.. merged], branch);
        var head = await Uninterrupted((SnapshotActivities repo) => repo.PushPatchesAsync(pushRequest), ActivityOptionsCatalog.Repo);
        branchHead = head;
        Step("Branch", "done", $"`{branch}` at `{Short(head)}`");
        token.ThrowIfCancellationRequested();

        // A draft PR, so nobody merges it before the gate has spoken.
        stage = "opening the pull request";
        Step("Pull request", "running");
        var prBody = PullRequestBody(issue, design, review);
        var openRequest = new OpenPullRequestRequest(target, branch, repository.DefaultBranch, issue.Title, prBody, Draft: true);
        var pr = await Uninterrupted((GitHubActivities github) => github.OpenPullRequestAsync(openRequest), ActivityOptionsCatalog.GitHubCall);
        pullRequest = pr;
        compensations.Add(($"#{pr.Number}", undo => ClosePullRequestAsync(pr, undo)));
        token.ThrowIfCancellationRequested();
        Step("Pull request", "done", $"draft {pr.Url}");

        // The gate as a child workflow; its failures go back to a coder for a few rounds.
        QualityGateResult gate;
        while (true)
        {
            stage = fixRound == 0 ? "quality gate" : $"quality gate (fix round {fixRound})";
            Step("Quality gate", "running", fixRound == 0 ? null : $"fix round {fixRound} of {settings.FixRounds}");
            await ProgressAsync("The quality gate is checking the branch.");
            gate = await GateAsync(pr, head, branch, repository.CloneUrl, token);
            if (gate.FixedSha is { } fixedSha)
            {
                // The gate pushed its fixes (as the App) on top: that commit is the branch's head now.
                head = fixedSha;
                branchHead = head;
                gate = gate.Recheck ?? await AwaitGateAsync(WorkflowIds.QualityGate(target.Owner, target.Repo, pr.Number, fixedSha), token);
            }

            if (gate.Conclusion == "cancelled")
            {
                return await HandedOverAsync(pr, head, gate);
            }

            qaCompleted = true;
            qaScore = gate.OverallScore;
            if (gate.CanMerge || fixRound >= settings.FixRounds)
            {
                break;
            }

            fixRound++;
            stage = $"fixing (round {fixRound})";
            Step("Quality gate", "failed", string.Create(CultureInfo.InvariantCulture, $"{gate.OverallScore:0.#}/100; fix round {fixRound} of {settings.FixRounds}"));
            await ProgressAsync("The quality gate failed; a coder is fixing it.");
            var headSnapshot = new RepoSnapshot(target, repository.CloneUrl, head);
            var fix = await CodeAsync(
                FixTask(issue, design, gate),
                touched,
                $"Fix the quality gate's failures (round {fixRound}) for #{issue.Number}",
                headSnapshot,
                [],
                null,
                settings,
                token);
            var fixPush = new PushPatchesRequest(headSnapshot, [fix], branch);
            head = await Uninterrupted((SnapshotActivities repo) => repo.PushPatchesAsync(fixPush), ActivityOptionsCatalog.Repo);
            branchHead = head;
            patchesCount++;
        }

        var scoreText = string.Create(CultureInfo.InvariantCulture, $"{gate.OverallScore:0.#}/100");
        if (!gate.CanMerge)
        {
            Step("Quality gate", "failed", $"{scoreText} after {fixRound} fix rounds");
            return await GateFailedAsync(issue, pr, head, gate, settings, token);
        }

        Step("Quality gate", "done", scoreText);
        stage = "marking ready";
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.MarkReadyForReviewAsync(target, pr), With(ActivityOptionsCatalog.GitHubCall, token));

        // From here the PR stands on its own: a cancel or failure no longer undoes it.
        compensations.Clear();
        Step("Pull request", "done", $"ready for review: {pr.Url}");

        var autoMerge = input.AutoMerge ?? settings.AutoMerge;
        if (!autoMerge)
        {
            Step("Merge", "skipped", "auto-merge is off: a maintainer merges it");
            return await FinishAsync("ready", $"{pr.Url} passed the quality gate ({scoreText}) and is ready for review.", pr, head, gate, merged: false);
        }

        if (settings.MinScore is { } minimum && gate.OverallScore < minimum)
        {
            var why = string.Create(CultureInfo.InvariantCulture, $"the score {gate.OverallScore:0.#} is below auto_merge.min_score {minimum:0.#}");
            Step("Merge", "skipped", why);
            return await FinishAsync("ready", $"{pr.Url} passed the quality gate but is not merged: {why}.", pr, head, gate, merged: false);
        }

        stage = "merging";
        var mergeRequest = new MergeRequest(target, pr.Number, head, settings.MergeMethod, $"{issue.Title} (#{pr.Number})");
        var mergeOutcome = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.MergePullRequestAsync(mergeRequest), With(ActivityOptionsCatalog.GitHubCall, token));
        for (var retry = 0; retry < 2 && !mergeOutcome.Merged && mergeOutcome.Message.Contains("not mergeable", StringComparison.OrdinalIgnoreCase); retry++)
        {
            // GitHub works out mergeability in the background after a push or a change of state: ask again shortly.
            await Workflow.DelayAsync(TimeSpan.FromSeconds(15), token);
            mergeOutcome = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.MergePullRequestAsync(mergeRequest), With(ActivityOptionsCatalog.GitHubCall, token));
        }
        if (!mergeOutcome.Merged)
        {
            Step("Merge", "failed", mergeOutcome.Message);
            return await FinishAsync("ready", $"{pr.Url} passed the quality gate but GitHub did not merge it: {mergeOutcome.Message}", pr, head, gate, merged: false);
        }

        Step("Merge", "done", $"{settings.MergeMethod} of `{Short(head)}`");
        return await FinishAsync("merged", $"{pr.Url} passed the quality gate ({scoreText}) and was merged.", pr, head, gate, merged: true);
    }

    /// <summary>The gate kept failing: leave the draft with the failures explained, or undo the run, as the configuration says.</summary>
    private async Task<PlanPatchPrResult> GateFailedAsync(IssueInfo issue, PullRequestRef pr, string head, QualityGateResult gate, PlanSettings settings, CancellationToken token)
    {
        var failures = GateFailures(gate);
        var scoreText = string.Create(CultureInfo.InvariantCulture, $"{gate.OverallScore:0.#}/100");
        if (settings.OnFailure == "close")
        {
            var why = $"The quality gate still failed ({scoreText}) after {fixRound} fix rounds.";
            var undone = await CompensateAsync(why);
            stage = "done";
            notes.Add(failures);
            await ProgressAsync($"**Stopped.** {why}", Undone(undone));
            return Result("closed", $"{why} {Undone(undone)}", head);
        }

        var comment = $"GitHubBot could not make the quality gate pass ({scoreText}) in {fixRound} fix rounds, so this stays a draft.\n\n{failures}";
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(target, pr.Number, comment)), With(ActivityOptionsCatalog.GitHubCall, token));
        Step("Merge", "skipped", "the gate did not pass");
        notes.Add(failures);
        return await FinishAsync("draft", $"{pr.Url} is left as a draft: the quality gate still fails ({scoreText}) after {fixRound} fix rounds.", pr, head, gate, merged: false);
    }

    private async Task<PlanPatchPrResult> FinishAsync(string outcome, string explanation, PullRequestRef pr, string head, QualityGateResult gate, bool merged)
    {
        stage = "done";
        await ProgressAsync(explanation, detached: true);
        return Result(outcome, explanation, head) with { PrUrl = pr.Url, PrNumber = pr.Number, QaScore = gate.OverallScore, Merged = merged };
    }

    /// <summary>
    /// Asks a coder until its edits apply on the snapshot after <paramref name="applied"/>: each refusal goes back to
    /// it with the reasons, up to the configured attempts.
    /// </summary>
    private async Task<Patch> CodeAsync(
        string task, IReadOnlyList<string> files, string message, RepoSnapshot snapshot, IReadOnlyList<Patch> applied, string? feedback, PlanSettings settings, CancellationToken token)
    {
        var problems = feedback;
        for (var attempt = 1; attempt <= settings.CoderAttempts; attempt++)
        {
            var asked = problems is null ? task : $"{task}\n\n# Fix this\n\n{problems}";
            var answer = await AskAsync<CoderAnswer>("coder", asked, new RepoView(snapshot, applied, files, FilesNamedInTask: true), settings, token);
            var patch = new Patch($"{message}\n\n{answer.Summary}", Normalized(answer.Edits), Workflow.UtcNow);
            EnsureFits([.. applied, patch]);

            var found = await CheckAsync(snapshot, applied, patch, token);
            if (found.Count == 0)
            {
                return patch;
            }

            problems = "Your edits could not be applied:\n" + string.Join("\n", found.Select(p => $"- {p}"))
                + (applied.Count > 0 ? "\nThe files you are shown already hold the other sub-issues' changes; your edits must apply to them as shown." : string.Empty);
        }

        throw new ApplicationFailureException(
            $"The coder's edits for \"{message.Split('\n')[0]}\" still did not apply after {settings.CoderAttempts} attempts. {problems}", errorType: "EditsDoNotApply", nonRetryable: true);
    }

    private async Task<T> AskAsync<T>(string role, string task, RepoView view, PlanSettings settings, CancellationToken token)
        where T : class
    {
        if (tokensUsed >= settings.MaxTokens)
        {
            throw Budget($"the agents used {tokensUsed} tokens, and agents.max_tokens allows {settings.MaxTokens}");
        }

        if (iterations >= settings.MaxIterations)
        {
            throw Budget($"the agents were asked {iterations} times, and agents.max_iterations allows {settings.MaxIterations}");
        }

        iterations++;
        var request = new AgentRequest(role, task, string.Empty) { Repository = view };
        AgentReply reply;
        try
        {
            reply = await Workflow.ExecuteActivityAsync((AgentActivities agents) => agents.AskAsync(request), With(ActivityOptionsCatalog.Agent, token));
        }
        catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException { ErrorType: "AgentOutputInvalid" } invalid && invalid.Details.Count > 0)
        {
            tokensUsed += invalid.Details.ElementAt<long>(0);
            throw;
        }

        tokensUsed += reply.InputTokens + reply.OutputTokens;
        try
        {
            return AgentAnswers.Parse<T>(reply.Json);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ApplicationFailureException($"The {role}'s answer could not be read: {ex.Message}", errorType: "AgentOutputInvalid", nonRetryable: true);
        }
    }

    /// <summary>
    /// A step that creates something (an issue, a PR, a pushed branch) runs to its end even when the run is
    /// cancelled meanwhile, so its undo is registered with what it really made; the cancellation is noticed after.
    /// </summary>
    private static Task<TResult> Uninterrupted<TActivity, TResult>(System.Linq.Expressions.Expression<Func<TActivity, Task<TResult>>> call, ActivityOptions options)
    {
        // Bounded, so a cancel waits minutes at most, not the hours a rate-limited GitHub call may retry for.
        options.ScheduleToCloseTimeout = TimeSpan.FromMinutes(10);
        return Workflow.ExecuteActivityAsync(call, With(options, CancellationToken.None));
    }

    /// <summary>
    /// The gate was cancelled by someone else (a push to the branch superseded it, or a person stopped it): the
    /// branch and the PR are theirs to carry on, so nothing is undone and the run stops, saying so.
    /// </summary>
    private async Task<PlanPatchPrResult> HandedOverAsync(PullRequestRef pr, string head, QualityGateResult gate)
    {
        compensations.Clear();
        var why = gate.BlockingIssues.Count > 0 ? gate.BlockingIssues[0] : "The quality gate was cancelled.";
        Step("Quality gate", "failed", "cancelled");
        stage = "done";
        var explanation = $"The quality gate of {pr.Url} was stopped by someone else, so GitHubBot stops here and leaves the PR and its branch as they are. ({why.Split('\n')[0]})";
        await ProgressAsync(explanation, detached: true);
        return Result("stopped", explanation, head) with { PrUrl = pr.Url, PrNumber = pr.Number };
    }

    /// <summary>
    /// Patches travel through the run's history with every step that works on them (Temporal refuses payloads over
    /// 2 MB): a change larger than <see cref="MaxChangeBytes"/> stops the run, asking for smaller issues.
    /// </summary>
    private static void EnsureFits(IReadOnlyList<Patch> patches)
    {
        var size = patches.Sum(patch => Bytes(patch.Message) + patch.Edits.Sum(e => Bytes(e.Path) + Bytes(e.Search) + Bytes(e.Replace) + Bytes(e.Content)));
        if (size > MaxChangeBytes)
        {
            throw new ApplicationFailureException(
                string.Create(CultureInfo.InvariantCulture, $"The change grew to {size / 1000} kB, more than one run carries ({MaxChangeBytes / 1000} kB); split the issue into smaller ones."),
                errorType: "ChangeTooLarge",
                nonRetryable: true);
        }
    }

    private static int Bytes(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    private static IReadOnlyList<FileEdit> Normalized(IReadOnlyList<FileEdit> edits) => [.. edits.Select(e => e with { Path = Edits.NormalizePath(e.Path) })];

    private static Task<IReadOnlyList<string>> CheckAsync(RepoSnapshot snapshot, IReadOnlyList<Patch> applied, Patch candidate, CancellationToken token)
    {
        var request = new CheckPatchRequest(snapshot, [.. applied], candidate);
        return Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.CheckPatchAsync(request), With(ActivityOptionsCatalog.Repo, token));
    }

    /// <summary>
    /// Runs the quality gate of the branch's head as a child (cancelled with this run). When the PR's own webhook
    /// started the gate of that commit first, its result is awaited instead of running a second gate.
    /// </summary>
    private async Task<QualityGateResult> GateAsync(PullRequestRef pr, string head, string branch, string cloneUrl, CancellationToken token)
    {
        var id = WorkflowIds.QualityGate(target.Owner, target.Repo, pr.Number, head);
        var gateInput = new QualityGateInput
        {
            Owner = target.Owner,
            Repo = target.Repo,
            PullRequestNumber = pr.Number,
            HeadSha = head,
            Branch = branch,
            InstallationId = target.InstallationId,
            CloneUrl = cloneUrl,
            AttemptAutoFix = true,
            Trigger = "plan-patch-pr",
        };
        try
        {
            var child = await Workflow.StartChildWorkflowAsync(
                (QualityGateWorkflow wf) => wf.RunAsync(gateInput),
                new ChildWorkflowOptions
                {
                    Id = id,
                    ParentClosePolicy = ParentClosePolicy.RequestCancel,
                    IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                    CancellationToken = token,
                });
            return await child.GetResultAsync();
        }
        catch (WorkflowAlreadyStartedException)
        {
            return await AwaitGateAsync(id, token);
        }
        catch (ChildWorkflowFailureException ex) when (TemporalException.IsCanceledException(ex) && !token.IsCancellationRequested)
        {
            // Cancelled through Temporal by someone else, not with this run.
            return new QualityGateResult { OverallScore = 0, CanMerge = false, Conclusion = "cancelled", BlockingIssues = ["The gate workflow was cancelled through Temporal."] };
        }
    }

    private static Task<QualityGateResult> AwaitGateAsync(string id, CancellationToken token) =>
        Workflow.ExecuteActivityAsync((GateControlActivities control) => control.AwaitGateAsync(id), With(ActivityOptionsCatalog.AwaitGate, token));

    private async Task<IssueInfo> OpenParentIssueAsync(PlanPatchPrInput input, CancellationToken token)
    {
        var requirement = input.Requirement!.Trim();
        var firstLine = requirement.Split('\n')[0].Trim();
        var title = firstLine.Length > 80 ? firstLine[..77] + "..." : firstLine;
        var request = new CreateIssueRequest(target, title, $"{requirement}\n\n_Filed by GitHubBot for {input.RequestedBy ?? "an operator"} ({input.Trigger})._", [], Workflow.Info.WorkflowId);
        var issue = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.CreateIssueAsync(request), With(ActivityOptionsCatalog.GitHubCall, token));
        issueNumber = issue.Number;
        return issue;
    }

    private async Task OpenSubIssuesAsync(IssueInfo issue, PlanAnswer plan, CancellationToken token)
    {
        for (var i = 0; i < plan.SubIssues.Count; i++)
        {
            var sub = plan.SubIssues[i];
            var body = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"Part of #{issue.Number}.\n\n{sub.Body}\n\n**Acceptance criteria**\n\n")
                .AppendJoin('\n', sub.AcceptanceCriteria.Select(c => $"- [ ] {c}"));
            if (sub.Files.Count > 0)
            {
                body.Append("\n\n**Files**: ").AppendJoin(", ", sub.Files.Select(f => $"`{f}`"));
            }

            if (sub.DependsOn.Count > 0)
            {
                body.Append("\n\n**After**: ").AppendJoin(", ", sub.DependsOn.Select(d => d < subIssues.Count ? $"#{subIssues[d].Number}" : $"sub-issue {d + 1}"));
            }

            var request = new CreateIssueRequest(target, sub.Title, body.ToString(), [SubIssueLabel], $"{Workflow.Info.WorkflowId}/{Workflow.Info.RunId}/sub-{i}");
            var created = await Uninterrupted((GitHubActivities github) => github.CreateIssueAsync(request), ActivityOptionsCatalog.GitHubCall);
            subIssues.Add(created);
            var number = created.Number;
            compensations.Add(($"#{number}", async undo =>
            {
                var close = new CloseIssueRequest(target, number, AbandonedLabel, $"Closed by GitHubBot: the run for #{issue.Number} was stopped. See the progress comment there.");
                await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.CloseIssueAsync(close), With(ActivityOptionsCatalog.GitHubCall, undo));
                return $"closed #{number}";
            }
            ));
            token.ThrowIfCancellationRequested();
        }

        var tasks = "**Sub-issues (GitHubBot)**\n\n" + string.Join("\n", subIssues.Select(s => $"- [ ] #{s.Number}"));
        var taskList = new TaskListRequest(target, issue.Number, tasks);
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetTaskListAsync(taskList), With(ActivityOptionsCatalog.GitHubCall, token));
    }

    /// <summary>Undoes what the run left behind, newest first, on a token of its own; a failed undo is logged and said, never thrown.</summary>
    private async Task<List<string>> CompensateAsync(string why)
    {
        var done = new List<string>();
        using var detached = new CancellationTokenSource();
        for (var i = compensations.Count - 1; i >= 0; i--)
        {
            var (what, undo) = compensations[i];
            try
            {
                done.Add(await undo(detached.Token));
            }
            catch (Exception ex) when (ex is ActivityFailureException or ApplicationFailureException)
            {
                Workflow.Logger.LogWarning(ex, "Could not undo {What}", what);
                notes.Add($"Could not undo {what}: {Failures.Reason(ex)}");
            }
        }

        compensations.Clear();
        foreach (var (name, state) in steps.Select(s => (s.Name, s.State)).ToList())
        {
            if (state == "running")
            {
                Step(name, "failed", why);
            }
        }

        if (done.Any(d => d.StartsWith("deleted the branch", StringComparison.Ordinal)))
        {
            Step("Branch", "undone", done.First(d => d.StartsWith("deleted the branch", StringComparison.Ordinal)));
        }

        if (pullRequest is not null && done.Contains($"closed #{pullRequest.Number}"))
        {
            Step("Pull request", "undone", $"closed {pullRequest.Url}");
        }

        if (subIssues.Count > 0 && subIssues.All(s => done.Contains($"closed #{s.Number}")))
        {
            Step("Sub-issues", "undone", $"closed and labelled `{AbandonedLabel}`");
        }

        return done;
    }

    /// <summary>Deletes the run's branch while it still points at what the run pushed last; someone else's push keeps it.</summary>
    private async Task<string> DeleteBranchAsync(string branch, CancellationToken undo)
    {
        var request = new DeleteBranchRequest(target, branch, branchHead);
        return await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.DeleteBranchAsync(request), With(ActivityOptionsCatalog.GitHubCall, undo))
            ? $"deleted the branch `{branch}`"
            : $"left the branch `{branch}` as it is: someone else pushed to it";
    }

    /// <summary>Closes the run's PR unless someone else pushed to its branch (then it is theirs to finish or close).</summary>
    private async Task<string> ClosePullRequestAsync(PullRequestRef pr, CancellationToken undo)
    {
        var head = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetPullRequestHeadAsync(target, pr.Number), With(ActivityOptionsCatalog.GitHubCall, undo));
        if (head.Sha != branchHead)
        {
            return $"left #{pr.Number} open: someone else pushed to it";
        }

        var close = new UpdatePullRequestRequest(target, pr.Number, null, true);
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.UpdatePullRequestAsync(close), With(ActivityOptionsCatalog.GitHubCall, undo));
        return $"closed #{pr.Number}";
    }

    private async Task ProgressAsync(string headline, string? extra = null, bool detached = false)
    {
        var footer = string.Create(CultureInfo.InvariantCulture, $"{iterations} agent calls, {tokensUsed} tokens · workflow `{Workflow.Info.WorkflowId}`{(requestedBy is null ? string.Empty : $" · asked by @{requestedBy}")}");
        var body = PlanProgress.Render(extra is null ? headline : $"{headline} {extra}", steps, notes, footer);
        var request = new UpsertCommentRequest(target, issueNumber, PlanProgress.Marker, body);
        using var own = new CancellationTokenSource();
        try
        {
            await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.UpsertStickyCommentAsync(request), With(ActivityOptionsCatalog.GitHubCall, detached ? own.Token : stop?.Token ?? own.Token));
        }
        catch (ActivityFailureException ex) when (detached)
        {
            Workflow.Logger.LogWarning(ex, "Could not update the progress comment on #{Issue}", issueNumber);
        }
    }

    private void Step(string name, string state, string? detail = null)
    {
        var index = steps.FindIndex(s => s.Name == name);
        steps[index] = new ProgressStep(name, state, detail);
    }

    private PlanPatchPrResult Result(string outcome, string explanation, string? head = null) => new()
    {
        Outcome = outcome,
        Explanation = explanation,
        IssueNumber = issueNumber,
        SubIssues = [.. subIssues.Select(s => s.Number)],
        PrUrl = pullRequest?.Url,
        PrNumber = pullRequest?.Number,
        QaScore = qaScore ?? 0,
        HeadSha = head,
        TokensUsed = tokensUsed,
        Iterations = iterations,
    };

    private static string IssueText(IssueInfo issue, PlanPatchPrInput input)
    {
        var body = issue.Body;
        var start = body.IndexOf(GitHubActivities.TaskListStart, StringComparison.Ordinal);
        if (start >= 0)
        {
            body = body[..start].TrimEnd();
        }

        return input.IssueNumber is not null && !string.IsNullOrWhiteSpace(input.Requirement) ? $"{body}\n\n**Also asked for**: {input.Requirement}" : body;
    }

    private static string DesignComment(DesignAnswer design, bool approval)
    {
        var text = new StringBuilder("### Design (GitHubBot architect)\n\n").Append(design.Design.Trim()).Append("\n\n");
        if (design.Risks.Count > 0)
        {
            text.Append("**Risks**\n\n").AppendJoin('\n', design.Risks.Select(r => $"- {r}")).Append("\n\n");
        }

        if (design.Files.Count > 0)
        {
            text.Append("**Files likely touched**: ").AppendJoin(", ", design.Files.Select(f => $"`{f}`")).Append("\n\n");
        }

        if (approval)
        {
            text.Append("Comment `/approve` to go on, or `/reject [reason]` to stop.\n");
        }

        return text.ToString();
    }

    private static string SubIssueTask(IssueInfo issue, DesignAnswer design, SubIssuePlan sub, IssueInfo subIssue) =>
        $"# Sub-issue #{subIssue.Number}: {sub.Title}\n\n{sub.Body}\n\n## Acceptance criteria\n\n{string.Join("\n", sub.AcceptanceCriteria.Select(c => $"- {c}"))}\n\n"
        + $"## Files\n\n{string.Join("\n", sub.Files.Select(f => $"- {f}"))}\n\n# Parent issue #{issue.Number}: {issue.Title}\n\n# Design\n\n{design.Design}";

    private static IReadOnlyList<string> CoderFiles(SubIssuePlan sub, DesignAnswer design) => [.. sub.Files.Concat(design.Files).Distinct(StringComparer.Ordinal)];

    private static string PatchMessage(SubIssuePlan sub, IssueInfo subIssue) => $"{sub.Title}\n\nCloses #{subIssue.Number}.";

    private static string FixTask(IssueInfo issue, DesignAnswer design, QualityGateResult gate) =>
        $"# Make the quality gate pass for #{issue.Number}: {issue.Title}\n\nThe branch implements the design below, but the quality gate failed. "
        + $"Change the code (not the tests' expectations, unless they are wrong) so the failing checks pass.\n\n{GateFailures(gate)}\n\n# Design\n\n{design.Design}";

    private static string GateFailures(QualityGateResult gate)
    {
        var text = new StringBuilder("**Quality gate failures**\n\n");
        foreach (var issue in gate.BlockingIssues)
        {
            text.Append("- ").Append(issue).Append('\n');
        }

        foreach (var check in gate.Checks.Where(c => !c.Passed))
        {
            var summary = check.Summary.Length > 4000 ? "…" + check.Summary[^4000..] : check.Summary;
            text.Append("\n**").Append(check.Name.Replace('_', ' ')).Append("** failed:\n\n").Append(summary).Append('\n');
        }

        return text.ToString();
    }

    private string PullRequestBody(IssueInfo issue, DesignAnswer design, ReviewAnswer review)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Closes #{issue.Number}.\n\n")
            .AppendJoin('\n', subIssues.Select(s => $"Closes #{s.Number}."))
            .Append("\n\n### Design\n\n")
            .Append(design.Design.Trim())
            .Append("\n\n### Review\n\n")
            .Append(review.Approve ? "The reviewer approved the change." : "The reviewer asked for changes.");
        foreach (var finding in review.Findings)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- **{finding.Severity}**{(finding.Path is { Length: > 0 } path ? $" `{path}`" : string.Empty)}: {finding.Message}");
        }

        text.Append("\n\n<sub>Written by GitHubBot's agents; the quality gate checks it before it is marked ready.</sub>\n");
        return text.ToString();
    }

    private static string Undone(List<string> undone) => undone.Count == 0 ? string.Empty : $"GitHubBot {string.Join(", ", undone)}.";

    /// <summary>Failures that explain themselves (what to set or raise); others are prefixed.</summary>
    private static readonly HashSet<string> SelfExplaining = new(StringComparer.Ordinal) { "AgentsNotConfigured", "BudgetExhausted", "InvalidConfig", "ChangeTooLarge" };

    private static string Explain(Exception ex) =>
        Cause(ex) is { ErrorType: { } type } cause && SelfExplaining.Contains(type) ? cause.Message : $"The run failed: {Failures.Reason(ex)}";

    /// <summary>The application failure that caused <paramref name="ex"/> (itself, or inside an activity or child failure).</summary>
    private static ApplicationFailureException? Cause(Exception ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is ApplicationFailureException application)
            {
                return application;
            }
        }

        return null;
    }

    private static ApplicationFailureException Budget(string why) =>
        new($"The budget ran out: {why}. Raise it under `agents:` in .github/ghbot.yml to allow more.", errorType: "BudgetExhausted", nonRetryable: true);

    private static bool IsCancellation(Exception ex) => TemporalException.IsCanceledException(ex) || ex is OperationCanceledException;

    private static ActivityOptions With(ActivityOptions options, CancellationToken token)
    {
        options.CancellationToken = token;
        return options;
    }

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;
}

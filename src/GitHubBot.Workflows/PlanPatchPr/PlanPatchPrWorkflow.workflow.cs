using GitHubBot.Core.Agents;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.PlanPatchPr;

/// <summary>
/// Plan → patch → PR: an issue becomes a tested pull request through LLM agents. The architect writes a design
/// (posted on the issue; a human may have to /approve it), the planner splits it into sub-issues, one coder per
/// sub-issue writes edits on the same base in parallel, the edits are merged in dependency order (a conflict sends
/// its coder back with the conflict), and a reviewer looks at the whole change. The change then goes to a
/// <see cref="ChangeRequestWorkflow"/> child — a branch with one commit per sub-issue, a draft PR, the quality gate,
/// fix rounds, ready and merge — whose steps show in this run's one progress comment. Budgets (tokens, agent calls)
/// stop a run cleanly; a failure or /cancel undoes what the run left behind (the change's branch and PR, the
/// sub-issues) and says why. The steps before the change are in <c>PlanPatchPrWorkflow.Steps.workflow.cs</c>.
/// </summary>
[Workflow]
public sealed partial class PlanPatchPrWorkflow
{
    /// <summary>
    /// The patch that hands the change to a <see cref="ChangeRequestWorkflow"/> child. Runs that passed the review
    /// before it run the same pipeline inline, recording what they recorded then.
    /// </summary>
    public const string ChangeRequestPatch = "change-request-child";

    /// <summary>
    /// The patch that lets the progress comment's updates along the way run beside the work instead of before it
    /// (each waits for the one before it; the last waits for them all). Earlier runs wait for each update.
    /// </summary>
    public const string BackgroundNewsPatch = "background-progress";

    private readonly List<ProgressStep> steps = [.. PlanProgress.Steps.Select(name => new ProgressStep(name, "pending"))];
    private readonly List<string> notes = [];

    /// <summary>What the run made before its change (the sub-issues), each with its undo.</summary>
    private readonly Compensations compensations = new();
    private readonly StopSwitch stop = new();
    private readonly List<IssueInfo> subIssues = [];
    private readonly ChangeRequestChild child = new();

    private string stage = "starting";
    private bool hasDesign;
    private int patchesCount;
    private bool waitingForApproval;
    private PlanDecision? decision;
    private AgentSession? agents;

    /// <summary>The change pipeline of a run that runs it inline (<see cref="ChangeRequestPatch"/> absent).</summary>
    private ChangePipeline? pipeline;

    /// <summary>The run is in its change: the change's stage is the run's.</summary>
    private bool changing;

    /// <summary>Updates along the way go out in the background (<see cref="BackgroundNewsPatch"/>).</summary>
    private bool backgroundNews;

    /// <summary>The last update sent in the background; the next one, and the final one, go after it.</summary>
    private readonly ProgressCommentUpdates progress = new();

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
        try
        {
            return await stop.RunAsync(token => PlanAsync(input, token));
        }
        catch (Exception ex) when (stop.IsStop(ex))
        {
            var why = stop.Reason ?? "The run was cancelled through Temporal.";
            var undone = await CompensateAsync(why);
            stage = "cancelled";
            if (issueNumber > 0)
            {
                await ProgressAsync($"**Cancelled.** {why}", ChangeTexts.Undone(undone), detached: true);
            }

            if (Workflow.CancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return Result("cancelled", $"{why} {ChangeTexts.Undone(undone)}".Trim());
        }
        catch (Exception ex) when (!Failures.IsCancellation(ex) && ex is not InvalidWorkflowOperationException)
        {
            var why = Explain(ex);
            var undone = await CompensateAsync(why);
            stage = "failed";
            if (issueNumber > 0)
            {
                await ProgressAsync($"**Stopped.** {why}", ChangeTexts.Undone(undone), detached: true);
            }

            // The run fails with the explanation people read, typed by its cause (BudgetExhausted, AgentsNotConfigured, …);
            // an exception of any other kind would fail only the workflow task, and retry forever.
            throw new ApplicationFailureException(why, ex, errorType: Failures.Cause(ex)?.ErrorType ?? "PlanFailed", nonRetryable: true);
        }
    }

    /// <summary>Stops the run: running agents and the change are cancelled, the branch, PR and sub-issues are undone.</summary>
    [WorkflowSignal(WorkflowSignals.Cancel)]
    public Task CancelAsync(string? reason)
    {
        stop.Stop(reason);
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

    /// <summary>The change request's news: shown in the progress comment.</summary>
    [WorkflowSignal(ChangeRequestSignals.Progress)]
    public Task ChangeProgressAsync(ChangeProgress? progress)
    {
        if (changing && pipeline is null)
        {
            child.Receive(progress);
            if (child.Status is { } status)
            {
                agents?.Adopt(status.Usage);
            }
        }

        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public PlanPatchPrStatus Status
    {
        get
        {
            var change = Change;
            var usage = agents?.Usage ?? new AgentUsage(0, 0);
            return new PlanPatchPrStatus(hasDesign, subIssues.Count, change?.Commits ?? patchesCount, change?.QaCompleted ?? false, change?.PullRequest is not null, change?.PullRequest?.Url)
            {
                Stage = changing && change is not null ? change.Stage : stage,
                IssueNumber = issueNumber == 0 ? null : issueNumber,
                WaitingForApproval = waitingForApproval,
                FixRound = change?.FixRound ?? 0,
                QaScore = change?.QaScore,
                TokensUsed = usage.Tokens,
                Iterations = usage.Calls,
            };
        }
    }

    /// <summary>How far the change got: the inline pipeline's own status, or the newest the child reported.</summary>
    private ChangeRequestStatus? Change => pipeline?.Status ?? child.Status;

    private async Task<PlanPatchPrResult> PlanAsync(PlanPatchPrInput input, CancellationToken token)
    {
        backgroundNews = Workflow.Patched(BackgroundNewsPatch);
        var (settings, issue) = await ReadAsync(input, token);
        agents = new AgentSession(new AgentBudget { MaxTokens = settings.Agents.MaxTokens, MaxCalls = settings.Agents.MaxIterations }, settings.Agents.CoderAttempts, settings.Agents.AllowConfigEdits);
        var requirement = PlanTexts.Requirement(issue, input.IssueNumber is not null ? input.Requirement : null);
        var (repository, design) = await DesignAsync(issue, requirement, settings.Agents.RequireDesignApproval, token);
        if (settings.Agents.RequireDesignApproval)
        {
            if (await ApprovalAsync(settings.Agents.ApprovalTimeout, token) is { } refused)
            {
                return refused;
            }
        }
        else
        {
            Step("Approval", "skipped", "not required by the configuration");
        }

        var baseSnapshot = new RepoSnapshot(target, repository.CloneUrl, repository.HeadSha);
        var plan = await SubIssuesAsync(issue, requirement, design, baseSnapshot, token);
        var merged = await PatchesAsync(issue, design, plan, baseSnapshot, token);
        var review = await ReviewAsync(issue, requirement, design, baseSnapshot, merged, token);
        return await ChangeAsync(input, settings, issue, design, review, repository, merged, token);
    }

    /// <summary>
    /// Hands the merged patches to the change pipeline — a child workflow, or inline for runs that reached it before
    /// <see cref="ChangeRequestPatch"/> — and finishes the run by its outcome.
    /// </summary>
    private async Task<PlanPatchPrResult> ChangeAsync(
        PlanPatchPrInput input, RepoConfig settings, IssueInfo issue, DesignAnswer design, ReviewAnswer review, RepositoryInfo repository, List<Patch> merged, CancellationToken token)
    {
        var asChild = Workflow.Patched(ChangeRequestPatch);
        var prefix = $"ghbot/issue-{issue.Number}";
        var change = new ChangeRequestInput
        {
            Target = target,
            Base = new RepoSnapshot(target, repository.CloneUrl, repository.HeadSha),
            BaseBranch = repository.DefaultBranch,
            Branch = asChild ? ChangeBranches.For(prefix, Workflow.Info.RunId) : $"{prefix}-{Workflow.Info.RunId[..8]}",
            Commits = merged,
            PullRequest = new PullRequestSpec(
                issue.Title, PlanTexts.PullRequestBody(issue.Number, subIssues.Select(s => s.Number), design, review) + ConfigEdits.PullRequestSection(agents!.Refused, agents.ConfigEdited)),
            Gate = new GatePolicy { Trigger = "plan-patch-pr" },
            Fix = new FixPolicy
            {
                Rounds = settings.Agents.FixRounds,
                Goal = $"#{issue.Number}: {issue.Title}",
                Reference = $"#{issue.Number}",
                Context = $"# Design\n\n{design.Design}",
                Files = [.. merged.SelectMany(p => p.Edits).Select(e => e.Path).Distinct(StringComparer.Ordinal)],
                Attempts = settings.Agents.CoderAttempts,
                Budget = new AgentBudget { MaxTokens = settings.Agents.MaxTokens, MaxCalls = settings.Agents.MaxIterations, Used = agents.Usage },
                AllowConfigEdits = settings.Agents.AllowConfigEdits,
            },
            Merge = new MergePolicy { Auto = input.AutoMerge ?? settings.AutoMerge.Enabled, Method = settings.AutoMerge.Method, MinScore = settings.AutoMerge.MinScore },
            Undo = new UndoPolicy { OnGateFailure = settings.Agents.OnFailure },
            OwnedIssues = [issue.Number, .. subIssues.Select(s => s.Number)],
        };

        ChangeRequestResult result;
        changing = true;
        try
        {
            if (asChild)
            {
                var id = WorkflowIds.ChangeRequest(target.Owner, target.Repo, change.Branch);
                try
                {
                    result = await child.RunAsync(change, id, headline => NewsAsync(headline), () => stop.Reason ?? "The run was cancelled through Temporal.", token);
                }
                finally
                {
                    if (child.Status is { } last)
                    {
                        agents.Adopt(last.Usage);
                    }
                }
            }
            else
            {
                pipeline = new ChangePipeline(change, agents, headline => NewsAsync(headline), report: null, legacy: true);
                result = await pipeline.RunAsync(token);
            }
        }
        finally
        {
            changing = false;
        }

        return await FinishAsync(result, token);
    }

    /// <summary>Ends the run the way its change ended, in the progress comment and the result.</summary>
    private async Task<PlanPatchPrResult> FinishAsync(ChangeRequestResult change, CancellationToken token)
    {
        if (change.Status.Kept)
        {
            // The PR stands on its own (it passed, or someone else took it over): nothing of the run is undone any more.
            compensations.Clear();
        }

        switch (change.Outcome)
        {
            case "closed":
                var undone = await CompensateAsync(change.Explanation);
                stage = "done";
                await ProgressAsync($"**Stopped.** {change.Explanation}", ChangeTexts.Undone(undone));
                return Result("closed", $"{change.Explanation} {ChangeTexts.Undone(undone)}", change.HeadSha);

            case "cancelled":
                // The child undid its part because it was cancelled: with this run (go on undoing), or through Temporal.
                token.ThrowIfCancellationRequested();
                throw new ApplicationFailureException("The change request was cancelled through Temporal.", errorType: "ChangeCancelled", nonRetryable: true);

            case "stopped":
                stage = "done";
                await ProgressAsync(change.Explanation, detached: true);
                return Result("stopped", change.Explanation, change.HeadSha);

            default:
                stage = "done";
                await ProgressAsync(change.Explanation, detached: true);
                return Result(change.Outcome, change.Explanation, change.HeadSha) with { QaScore = change.Gate?.OverallScore ?? 0, Merged = change.Merged };
        }
    }

    /// <summary>
    /// Undoes what the run left behind, newest first, on a token of its own; a failed undo is logged and said, never
    /// thrown: the change's branch and PR (undone by the change itself), then the sub-issues.
    /// </summary>
    private async Task<List<string>> CompensateAsync(string why)
    {
        if (Change is { Kept: true })
        {
            // The PR passed or was taken over: it stands on its own, and so do its sub-issues.
            compensations.Clear();
        }

        var done = new List<string>();
        if (pipeline is not null)
        {
            done.AddRange(pipeline.Status.Undone);
            done.AddRange(await pipeline.UndoAsync(why));
        }
        else if (child.Status is { } change)
        {
            done.AddRange(change.Undone);
        }

        var (undone, failed) = await compensations.RunAsync();
        done.AddRange(undone);
        notes.AddRange(failed);
        foreach (var step in steps.Where(s => s.State == "running").ToList())
        {
            Step(step.Name, "failed", why);
        }

        if (subIssues.Count > 0 && subIssues.All(s => done.Contains($"closed #{s.Number}")))
        {
            Step("Sub-issues", "undone", $"closed and labelled `{PlanTexts.AbandonedLabel}`");
        }

        return done;
    }

    /// <summary>
    /// An update along the way: with <see cref="BackgroundNewsPatch"/> it goes out beside the work (after the one
    /// before it; a failure is logged), otherwise the run waits for it.
    /// </summary>
    private Task NewsAsync(string headline)
    {
        if (!backgroundNews)
        {
            return ProgressAsync(headline);
        }

        progress.Send(ProgressRequest(headline, null), stop.Token ?? CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Writes the progress comment and waits for it, after every update sent in the background.</summary>
    private Task ProgressAsync(string headline, string? extra = null, bool detached = false) =>
        progress.WriteAsync(() => ProgressRequest(headline, extra), stop.Token, detached);

    /// <summary>The progress comment as the run stands now.</summary>
    private UpsertCommentRequest ProgressRequest(string headline, string? extra)
    {
        var usage = agents?.Usage ?? new AgentUsage(0, 0);
        var footer = $"{usage.Calls} agent calls, {usage.Tokens} tokens · workflow `{Workflow.Info.WorkflowId}`{(requestedBy is null ? string.Empty : $" · asked by @{requestedBy}")}";
        var change = Change;
        var body = PlanProgress.Render(
            extra is null ? headline : $"{headline} {extra}",
            [.. steps, .. change?.Steps ?? ChangeTexts.Steps.Select(name => new ProgressStep(name, "pending"))],
            [.. notes, .. change?.Notes ?? []],
            footer);
        return new UpsertCommentRequest(target, issueNumber, PlanProgress.Marker, body);
    }

    private void Step(string name, string state, string? detail = null) => ProgressComment.Set(steps, name, state, detail);

    private PlanPatchPrResult Result(string outcome, string explanation, string? head = null)
    {
        var change = Change;
        var usage = agents?.Usage ?? new AgentUsage(0, 0);
        return new()
        {
            Outcome = outcome,
            Explanation = explanation,
            IssueNumber = issueNumber,
            SubIssues = [.. subIssues.Select(s => s.Number)],
            PrUrl = change?.PullRequest?.Url,
            PrNumber = change?.PullRequest?.Number,
            QaScore = change?.QaScore ?? 0,
            HeadSha = head,
            TokensUsed = usage.Tokens,
            Iterations = usage.Calls,
        };
    }

    /// <summary>Failures that explain themselves (what to set or raise); others are prefixed.</summary>
    private static readonly HashSet<string> SelfExplaining = new(StringComparer.Ordinal) { "AgentsNotConfigured", "BudgetExhausted", "InvalidConfig", "ChangeTooLarge", "ConfigEditsRefused" };

    private static string Explain(Exception ex) =>
        Failures.Cause(ex) is { ErrorType: { } type } && SelfExplaining.Contains(type) ? Failures.Said(ex) : $"The run failed: {Failures.Reason(ex)}";
}

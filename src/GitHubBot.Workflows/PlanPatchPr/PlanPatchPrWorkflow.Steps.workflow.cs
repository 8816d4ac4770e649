using System.Globalization;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.PlanPatchPr;

/// <summary>The plan's steps before its change: the issue, the design and its approval, the sub-issues, the patches and the review.</summary>
public sealed partial class PlanPatchPrWorkflow
{
    /// <summary>The repository's configuration and the issue to work on (filed first when the run was given a requirement alone).</summary>
    private async Task<(RepoConfig Settings, IssueInfo Issue)> ReadAsync(PlanPatchPrInput input, CancellationToken token)
    {
        stage = "reading configuration";
        var config = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.FetchRepoConfigAsync(target), ActivityPresets.GitHubCall.WithCancellation(token));
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

        var issue = input.IssueNumber is { } existing
            ? await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetIssueAsync(target, existing), ActivityPresets.GitHubCall.WithCancellation(token))
            : await OpenParentIssueAsync(input, token);
        issueNumber = issue.Number;
        return (config.Resolve(), issue);
    }

    private async Task<IssueInfo> OpenParentIssueAsync(PlanPatchPrInput input, CancellationToken token)
    {
        var request = new CreateIssueRequest(
            target, PlanTexts.IssueTitle(input.Requirement!), PlanTexts.IssueBody(input.Requirement!, input.RequestedBy, input.Trigger), [], Workflow.Info.WorkflowId);
        var issue = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.CreateIssueAsync(request), ActivityPresets.GitHubCall.WithCancellation(token));
        issueNumber = issue.Number;
        return issue;
    }

    /// <summary>The architect's design, posted on the issue (asking for /approve when the configuration wants it).</summary>
    private async Task<(RepositoryInfo Repository, DesignAnswer Design)> DesignAsync(IssueInfo issue, string requirement, bool approval, CancellationToken token)
    {
        stage = "designing";
        Step("Design", "running");
        await NewsAsync("Working on it.");
        var repository = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetRepositoryAsync(target), ActivityPresets.GitHubCall.WithCancellation(token));
        var baseSnapshot = new RepoSnapshot(target, repository.CloneUrl, repository.HeadSha);
        var design = await agents!.AskAsync<DesignAnswer>("architect", $"{PlanTexts.Heading(issue)}\n\n{requirement}", new RepoView(baseSnapshot, [], [], FilesNamedInTask: true), token);
        var designComment = PlanTexts.DesignComment(design, approval);
        var designId = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(target, issueNumber, designComment)), ActivityPresets.GitHubCall.WithCancellation(token));
        hasDesign = true;
        Step("Design", "done", string.Create(CultureInfo.InvariantCulture, $"[posted below]({issue.Url}#issuecomment-{designId})"));
        return (repository, design);
    }

    /// <summary>Waits durably for /approve or /reject; the run's result when the design was not approved, else null.</summary>
    private async Task<PlanPatchPrResult?> ApprovalAsync(TimeSpan timeout, CancellationToken token)
    {
        stage = "waiting for approval";
        waitingForApproval = true;
        Step("Approval", "waiting", "comment `/approve` to go on, or `/reject [reason]` to stop");
        await NewsAsync("The design is waiting for approval.");
        var answered = await Workflow.WaitConditionAsync(() => decision is not null, timeout, token);
        waitingForApproval = false;
        if (answered && decision is { Approved: true } approved)
        {
            Step("Approval", "done", $"approved by @{approved.By}");
            return null;
        }

        var why = PlanTexts.NotApproved(answered ? decision : null, timeout);
        Step("Approval", "failed", why);
        stage = "done";
        await ProgressAsync($"**Stopped.** {why} Nothing was changed; label the issue again or comment `/plan` to start over.");
        return Result(answered ? "rejected" : "expired", why);
    }

    /// <summary>The planner's sub-issues, with dependencies that make sense (asked again once when they do not), opened on GitHub.</summary>
    private async Task<(PlanAnswer Plan, IReadOnlyList<int> Order)> SubIssuesAsync(IssueInfo issue, string requirement, DesignAnswer design, RepoSnapshot baseSnapshot, CancellationToken token)
    {
        stage = "planning";
        Step("Sub-issues", "running");
        await NewsAsync("Splitting the work into sub-issues.");
        var plannerTask = PlanTexts.PlannerTask(issue, requirement, design);
        var plan = await agents!.AskAsync<PlanAnswer>("planner", plannerTask, new RepoView(baseSnapshot, [], design.Files), token);
        var (order, graphProblems) = PlanGraph.Order([.. plan.SubIssues.Select(s => s.DependsOn)]);
        if (graphProblems.Count > 0)
        {
            plan = await agents.AskAsync<PlanAnswer>(
                "planner",
                $"{plannerTask}\n\n# Your earlier plan cannot be used\n\n{string.Join("\n", graphProblems.Select(p => $"- {p}"))}",
                new RepoView(baseSnapshot, [], design.Files),
                token);
            (order, graphProblems) = PlanGraph.Order([.. plan.SubIssues.Select(s => s.DependsOn)]);
            if (graphProblems.Count > 0)
            {
                throw new ApplicationFailureException($"The planner's sub-issues cannot be ordered: {string.Join(" ", graphProblems)}", errorType: "InvalidPlan", nonRetryable: true);
            }
        }

        await OpenSubIssuesAsync(issue, plan, token);
        Step("Sub-issues", "done", string.Join(", ", subIssues.Select(s => $"#{s.Number}")));
        return (plan, order);
    }

    /// <summary>Opens one issue per planned sub-issue (each registered for undo) and lists them in the parent's task list.</summary>
    private async Task OpenSubIssuesAsync(IssueInfo issue, PlanAnswer plan, CancellationToken token)
    {
        for (var i = 0; i < plan.SubIssues.Count; i++)
        {
            var sub = plan.SubIssues[i];
            var body = PlanTexts.SubIssueBody(issue.Number, sub, [.. subIssues.Select(s => s.Number)]);
            var request = new CreateIssueRequest(target, sub.Title, body, [PlanTexts.SubIssueLabel], $"{Workflow.Info.WorkflowId}/{Workflow.Info.RunId}/sub-{i}");
            var created = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.CreateIssueAsync(request), ActivityPresets.GitHubCall.Uninterrupted());
            subIssues.Add(created);
            var number = created.Number;
            compensations.Add($"#{number}", async undo =>
            {
                var close = new CloseIssueRequest(target, number, PlanTexts.AbandonedLabel, $"Closed by GitHubBot: the run for #{issue.Number} was stopped. See the progress comment there.");
                await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.CloseIssueAsync(close), ActivityPresets.GitHubCall.WithCancellation(undo));
                return $"closed #{number}";
            });
            token.ThrowIfCancellationRequested();
        }

        var taskList = new TaskListRequest(target, issue.Number, PlanTexts.TaskList(subIssues.Select(s => s.Number)));
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetTaskListAsync(taskList), ActivityPresets.GitHubCall.WithCancellation(token));
    }

    /// <summary>
    /// One coder per sub-issue, in parallel, on the same base; then their patches merged in dependency order, a patch
    /// that conflicts with the ones before it going back to its coder with the merged files.
    /// </summary>
    private async Task<List<Patch>> PatchesAsync(IssueInfo issue, DesignAnswer design, (PlanAnswer Plan, IReadOnlyList<int> Order) planned, RepoSnapshot baseSnapshot, CancellationToken token)
    {
        var (plan, order) = planned;
        stage = "coding";
        Step("Patches", "running", $"{plan.SubIssues.Count} coders at work");
        await NewsAsync("Writing the patches.");
        Task<Patch> CodeAsync(int i, IReadOnlyList<Patch> applied, string? feedback) => agents!.CodeAsync(
            PlanTexts.CoderTask(issue, design, plan.SubIssues[i], subIssues[i].Number),
            PlanTexts.CoderFiles(plan.SubIssues[i], design),
            PlanTexts.PatchMessage(plan.SubIssues[i], subIssues[i].Number),
            baseSnapshot,
            applied,
            feedback,
            token);

        var patches = await Workflow.WhenAllAsync(Enumerable.Range(0, plan.SubIssues.Count).Select(i => CodeAsync(i, [], null)));
        var merged = new List<Patch>();
        foreach (var i in order)
        {
            AgentSession.EnsureFits([.. merged, patches[i]]);
            var conflicts = merged.Count == 0 ? [] : await AgentSession.CheckAsync(baseSnapshot, merged, patches[i], token);
            if (conflicts.Count > 0)
            {
                notes.Add($"The patch of #{subIssues[i].Number} conflicted with the ones before it; its coder was asked again.");
                patches[i] = await CodeAsync(i, [.. merged], PlanTexts.Conflict(conflicts));
            }

            merged.Add(patches[i]);
            patchesCount = merged.Count;
        }

        NoteRefused(0);
        Step("Patches", "done", $"{merged.Count} patches");
        return merged;
    }

    /// <summary>The reviewer sees the whole change; edits that fix its blockers go in as one more commit when they apply.</summary>
    private async Task<ReviewAnswer> ReviewAsync(IssueInfo issue, string requirement, DesignAnswer design, RepoSnapshot baseSnapshot, List<Patch> merged, CancellationToken token)
    {
        stage = "reviewing";
        Step("Review", "running");
        await NewsAsync("Reviewing the change.");
        var touched = merged.SelectMany(p => p.Edits).Select(e => e.Path).Distinct(StringComparer.Ordinal).ToList();
        var refused = agents!.Refused.Count;
        var review = await agents.AskAsync<ReviewAnswer>(
            "reviewer", $"{PlanTexts.Heading(issue)}\n\n{requirement}\n\n# Design\n\n{design.Design}", new RepoView(baseSnapshot, [.. merged], touched, Diff: true), token);
        var reviewDetail = review.Approve ? "approved" : "changes asked";
        if (review.Edits is { Count: > 0 } reviewEdits)
        {
            var reviewPatch = new Patch(PlanTexts.ReviewMessage(issue.Number, review), AgentSession.Normalized(reviewEdits), Workflow.UtcNow);
            AgentSession.EnsureFits([.. merged, reviewPatch]);
            var problems = await AgentSession.CheckAsync(baseSnapshot, merged, reviewPatch, token);
            if (problems.Count == 0 && await agents.WithinBarAsync(baseSnapshot, merged, reviewPatch, token) is { } kept)
            {
                merged.Add(kept);
                patchesCount = merged.Count;
                reviewDetail += ", its edits applied";
            }
            else if (problems.Count == 0)
            {
                reviewDetail += ", its edits left out";
            }
            else
            {
                notes.Add($"The reviewer's edits did not apply and were left out: {string.Join(" ", problems)}");
            }
        }

        NoteRefused(refused);
        Step("Review", "done", $"{reviewDetail}, {review.Findings.Count} findings");
        return review;
    }

    /// <summary>Says in the progress comment which edits of test, build and CI configuration were refused since <paramref name="from"/>.</summary>
    private void NoteRefused(int from) =>
        notes.AddRange(agents!.Refused.Skip(from).Select(r => $"Refused and left out (agents.allow_config_edits is off): {r}"));
}

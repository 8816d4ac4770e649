using System.Globalization;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>The incident's response: a hotfix PR or an issue for people, the wait for its resolution, rollbacks, and the postmortem.</summary>
public sealed partial class IncidentSwarmWorkflow
{
    /// <summary>
    /// A hotfix when the consensus is sure enough, fixing is allowed and the alert has not resolved by itself;
    /// otherwise (or when the hotfix cannot pass its gate) the issue for people. Returns the outcome.
    /// </summary>
    private async Task<string> RespondAsync(CancellationToken token)
    {
        stage = "deciding";
        Step("Decision", "running");
        var top = consensus!.Top;
        string why;
        if (plan!.Repository is null)
        {
            why = "The incident has no repository, so GitHubBot only diagnosed it.";
        }
        else if (alert.GitHub is { IsSecret: true })
        {
            why = "A leaked secret is rotated by people: GitHubBot does not fix it.";
        }
        else if (resolvedAt is not null)
        {
            why = $"The alert resolved ({resolvedBy}) before a decision, so nothing was fixed; the hypotheses are here for a follow-up.";
        }
        else if (!consensus.Reached || top is null)
        {
            why = string.Create(CultureInfo.InvariantCulture, $"The agents did not agree well enough to fix it (confidence {consensus.Confidence:0.00}, threshold {plan.Threshold:0.00}, at least two agents needed).");
        }
        else if (!plan.AutoFix)
        {
            why = string.Create(CultureInfo.InvariantCulture, $"The consensus is sure enough ({top.Confidence:0.00}), but automatic fixes are off for this service.");
        }
        else
        {
            var outcome = await HotfixAsync(top, token);
            if (outcome is "merged" or "ready")
            {
                fixApplied = true;
                var decision = $"Hotfix {hotfix!.Url} {(outcome == "merged" ? "passed its gate and was merged" : "passed its gate and is ready for review")}.";
                Step("Decision", "done", decision);
                await EditIssueAsync(decision, close: false, token);
                return "fixed";
            }

            why = $"The hotfix did not pass its quality gate ({outcome}); it needs people.";
        }

        Step("Decision", "done", why);
        Note(plan.Repository is null ? "diagnosis only" : "handed to people in the incident issue");
        await EditIssueAsync(why, close: false, token);
        return plan.Repository is null ? "diagnosed" : "issue";
    }

    /// <summary>A coder writes the fix of the agreed cause; the change pipeline opens the hotfix PR, gates it and merges it when allowed.</summary>
    private async Task<string> HotfixAsync(Hypothesis top, CancellationToken token)
    {
        stage = "writing the hotfix";
        var repository = plan!.Repository!;
        var info = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetRepositoryAsync(repository), ActivityPresets.GitHubCall.WithCancellation(token));
        var baseSnapshot = new RepoSnapshot(repository, info.CloneUrl, info.HeadSha);
        var files = top.Files.Distinct(StringComparer.Ordinal).ToList();
        var fix = await agents!.CodeAsync(IncidentTexts.HotfixTask(alert, top), files, IncidentTexts.HotfixTitle(alert, top), baseSnapshot, [], null, token);
        notes.AddRange(agents.Refused.Select(r => $"Refused and left out (agents.allow_config_edits is off): {r}"));
        var change = new ChangeRequestInput
        {
            Target = repository,
            Base = baseSnapshot,
            BaseBranch = info.DefaultBranch,
            Branch = ChangeBranches.For($"{ChangeBranches.Namespace}hotfix-{IncidentTexts.Slug(alert.Name, 30)}", Workflow.Info.RunId),
            Commits = [fix],
            PullRequest = new PullRequestSpec(
                IncidentTexts.HotfixTitle(alert, top),
                IncidentTexts.HotfixBody(alert, consensus!, issue?.Number, Workflow.Info.WorkflowId) + ConfigEdits.PullRequestSection(agents.Refused, agents.ConfigEdited))
            {
                Labels = [IncidentTexts.HotfixLabel],
            },
            Gate = new GatePolicy { Trigger = "incident-hotfix" },
            Fix = new FixPolicy
            {
                Rounds = plan.FixRounds,
                Goal = $"the incident `{IncidentTexts.Quote(alert.Name)}`",
                Reference = issue is { } incidentIssue ? $"#{incidentIssue.Number}" : $"the incident {alert.Fingerprint}",
                Context = $"# The agreed root cause\n\n{IncidentTexts.Quote(top.RootCause)}\n\n{IncidentTexts.Quote(top.SuggestedFix)}",
                Files = [.. files.Concat(fix.Edits.Select(e => e.Path)).Distinct(StringComparer.Ordinal)],
                Attempts = plan.CoderAttempts,
                Budget = plan.Budget with { Used = agents.Usage },
                AllowConfigEdits = plan.AllowConfigEdits,
            },
            Merge = plan.Merge,
            Undo = new UndoPolicy { OnGateFailure = "draft" },
            OwnedIssues = OwnedIssues(),
        };
        var result = await RunChangeAsync(change, token);
        hotfix = result.PullRequest;
        hotfixBase = baseSnapshot.Sha;
        hotfixHead = result.HeadSha;
        hotfixMerged = result.Merged;
        if (hotfix is { } pr)
        {
            Note($"hotfix PR #{pr.Number} {result.Outcome}{(result.Gate is { } gate ? string.Create(CultureInfo.InvariantCulture, $" (quality gate {gate.OverallScore:0.#}/100)") : string.Empty)}");
            actions.Add($"Opened the hotfix {pr.Url} ({result.Outcome}).");
        }

        return result.Outcome;
    }

    /// <summary>The issues the incident's changes may close: its own issue, when it has one.</summary>
    private List<int> OwnedIssues() => issue is { } own ? [own.Number] : [];

    /// <summary>A change through a change-request child, its steps shown in the incident's comment; its usage counted.</summary>
    private async Task<ChangeRequestResult> RunChangeAsync(ChangeRequestInput change, CancellationToken token)
    {
        changing = true;
        try
        {
            return await child.RunAsync(
                change, WorkflowIds.ChangeRequest(change.Target.Owner, change.Target.Repo, change.Branch), headline => { News(headline); return Task.CompletedTask; }, () => stop.Reason ?? "The incident was cancelled.", token);
        }
        finally
        {
            changing = false;
            if (child.Status is { } last)
            {
                agents!.Adopt(last.Usage);
            }
        }
    }

    /// <summary>
    /// Waits for the alert to resolve, at most as long as the plan says, carrying out rollbacks meanwhile; the wait
    /// ends early when nothing more can happen (no hotfix to roll back and the alert already resolved).
    /// </summary>
    private async Task AwaitResolutionAsync(CancellationToken token)
    {
        stage = resolvedAt is null ? "waiting for the alert to resolve" : "resolved";
        Step("Resolved", resolvedAt is null ? "waiting" : "done", resolvedAt is null ? "a resolved notification ends the incident" : $"by {resolvedBy}");
        await ProgressAsync(resolvedAt is null ? "Waiting for the alert to resolve." : "The alert resolved.");
        var deadline = Workflow.UtcNow + plan!.HoldOpen;
        while (resolvedAt is null || rollbackBy is not null)
        {
            if (rollbackBy is { } by)
            {
                await RollBackAsync(by, token);
                rollbackBy = null;
                continue;
            }

            var left = deadline - Workflow.UtcNow;
            if (left <= TimeSpan.Zero || !await Workflow.WaitConditionAsync(() => resolvedAt is not null || rollbackBy is not null, left, token))
            {
                Note(string.Create(CultureInfo.InvariantCulture, $"not resolved within {IncidentTexts.Duration(plan.HoldOpen)}: the postmortem is written now"));
                Step("Resolved", "skipped", "no resolved notification in time");
                return;
            }
        }

        Step("Resolved", "done", $"by {resolvedBy}");
    }

    /// <summary>Undoes the hotfix: an unmerged PR is closed and its branch deleted; a merged one gets a revert PR.</summary>
    private async Task RollBackAsync(string by, CancellationToken token)
    {
        Note($"rollback asked by {by}");
        if (rolledBack)
        {
            notes.Add($"@{IncidentTexts.Quote(by)} asked for a rollback, but the hotfix is rolled back already.");
            News("The hotfix is rolled back already.");
            return;
        }

        if (hotfix is not { } pr || plan!.Repository is not { } repository)
        {
            notes.Add($"@{IncidentTexts.Quote(by)} asked for a rollback, but there is no hotfix to roll back.");
            News("There is no hotfix to roll back.");
            return;
        }

        stage = "rolling back";
        var head = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetPullRequestHeadAsync(repository, pr.Number), ActivityPresets.GitHubCall.WithCancellation(token));
        if (!hotfixMerged && !head.Merged)
        {
            var deleted = await ChangeRollbacks.CloseAsync(repository, pr.Number, head.Branch, hotfixHead, token);
            fixApplied = false;
            rolledBack = true;
            Note($"hotfix PR #{pr.Number} closed{(deleted ? " and its branch deleted" : "; its branch was left: someone else pushed to it")}");
            actions.Add($"Rolled back: closed {pr.Url}{(deleted ? " and deleted its branch" : string.Empty)} (asked by {by}).");
            News($"Rolled back: {pr.Url} was closed.");
            return;
        }

        // Merged (by GitHubBot, or later by a person, perhaps with more commits): what the PR's head added is reverted.
        await RevertAsync(pr, repository, by, head.Sha, token);
    }

    /// <summary>A merged hotfix is reverted by a PR of its own, through the change pipeline (gated like any change).</summary>
    private async Task RevertAsync(PullRequestRef pr, RepositoryTarget repository, string by, string head, CancellationToken token)
    {
        var (info, now, revert, conflict) = await ChangeRollbacks.RevertAsync(
            repository, hotfixBase!, head, hotfixHead, $"Revert the hotfix #{pr.Number}\n\nAsked by {by} for the incident {Workflow.Info.WorkflowId}.", token);
        if (revert is null)
        {
            notes.Add($"The hotfix could not be reverted automatically: {conflict}");
            News($"The hotfix {pr.Url} could not be reverted automatically; revert it by hand.");
            return;
        }

        var input = new ChangeRequestInput
        {
            Target = repository,
            Base = now,
            BaseBranch = info.DefaultBranch,
            Branch = ChangeBranches.For($"{ChangeBranches.Namespace}revert-{pr.Number}", $"{Workflow.Info.RunId}/{timeline.Count}"),
            Commits = [revert],
            PullRequest = new PullRequestSpec($"Revert the hotfix #{pr.Number}", $"Reverts {pr.Url}: asked by {IncidentTexts.Quote(by)}.\n\n{IncidentTexts.Marker(Workflow.Info.WorkflowId)}\n") { Labels = [IncidentTexts.HotfixLabel] },
            Gate = new GatePolicy { Trigger = "incident-rollback" },
            Fix = new FixPolicy { Rounds = 0, Budget = plan!.Budget with { Used = agents!.Usage } },
            Merge = plan.Merge,
            OwnedIssues = OwnedIssues(),
        };
        var result = await RunChangeAsync(input, token);
        fixApplied = false;
        rolledBack = result.PullRequest is not null;
        Note($"revert PR {(result.PullRequest is { } revertPr ? $"#{revertPr.Number} " : string.Empty)}{result.Outcome}");
        actions.Add($"Rolled back: {(result.PullRequest is { } opened ? opened.Url : "a revert PR")} reverts {pr.Url} ({result.Outcome}; asked by {by}).");
    }

    /// <summary>The postmortem: a comment on the incident issue and the hotfix PR, a PR adding it when configured; the issue closed when resolved.</summary>
    private async Task<IncidentResult> FinishAsync(string outcome)
    {
        stage = "writing the postmortem";
        Step("Postmortem", "running");
        var postmortem = Postmortem();
        if (plan!.Repository is { } repository && issue is { } incidentIssue)
        {
            using var own = new CancellationTokenSource();
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(repository, incidentIssue.Number, postmortem)), ActivityPresets.GitHubCall.WithCancellation(own.Token));
            if (hotfix is { } pr)
            {
                await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(repository, pr.Number, postmortem)), ActivityPresets.GitHubCall.WithCancellation(own.Token));
            }

            if (plan.PostmortemPullRequest)
            {
                await PostmortemPullRequestAsync(repository, postmortem);
            }

            Step("Postmortem", "done", $"posted on #{incidentIssue.Number}");
            stage = "done";
            await ProgressAsync(resolvedAt is null ? "The postmortem is written; the alert had not resolved." : "Resolved; the postmortem is written.", detached: true);
            if (resolvedAt is not null)
            {
                await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.EditIssueAsync(new EditIssueRequest(repository, incidentIssue.Number, null, true)), ActivityPresets.GitHubCall.WithCancellation(own.Token));
            }
        }

        Step("Postmortem", "done");
        stage = "done";
        return Result(outcome, postmortem);
    }

    private async Task PostmortemPullRequestAsync(RepositoryTarget repository, string postmortem)
    {
        using var own = new CancellationTokenSource();
        try
        {
            var info = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetRepositoryAsync(repository), ActivityPresets.GitHubCall.WithCancellation(own.Token));
            var path = IncidentTexts.PostmortemPath(alert, Workflow.UtcNow);
            var input = new ChangeRequestInput
            {
                Target = repository,
                Base = new RepoSnapshot(repository, info.CloneUrl, info.HeadSha),
                BaseBranch = info.DefaultBranch,
                Branch = ChangeBranches.For($"{ChangeBranches.Namespace}postmortem-{IncidentTexts.Slug(alert.Name, 30)}", Workflow.Info.RunId),
                Commits = [new Patch($"Postmortem: {IncidentTexts.Quote(alert.Name)}", [new FileEdit(path, Content: postmortem)], Workflow.UtcNow)],
                PullRequest = new PullRequestSpec($"Postmortem: {IncidentTexts.Quote(alert.Name)}", $"Adds the postmortem of the incident {Workflow.Info.WorkflowId} as `{path}`.\n\n{IncidentTexts.Marker(Workflow.Info.WorkflowId)}\n"),
                Gate = new GatePolicy { Trigger = "incident-postmortem" },
                Fix = new FixPolicy { Rounds = 0, Budget = plan!.Budget with { Used = agents!.Usage } },
                Merge = plan.Merge,
                OwnedIssues = OwnedIssues(),
            };
            var result = await RunChangeAsync(input, own.Token);
            actions.Add($"Proposed the postmortem as {(result.PullRequest is { } pr ? pr.Url : path)} ({result.Outcome}).");
        }
        catch (Exception ex) when (ex is ActivityFailureException or ChildWorkflowFailureException)
        {
            notes.Add($"The postmortem PR could not be opened: {Failures.Reason(ex)}");
        }
    }

    /// <summary>The issue's body once there is a decision: the alert, the decision, every hypothesis with its evidence.</summary>
    private async Task EditIssueAsync(string decision, bool close, CancellationToken token)
    {
        if (plan!.Repository is not { } repository || issue is not { } incidentIssue)
        {
            return;
        }

        var body = IncidentTexts.IssueBody(alert, Workflow.Info.WorkflowId, consensus, decision);
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.EditIssueAsync(new EditIssueRequest(repository, incidentIssue.Number, body, close)), ActivityPresets.GitHubCall.WithCancellation(token));
        News(decision);
    }

    private string Postmortem()
    {
        var links = new List<string>();
        if (alert.GeneratorUrl is { } source)
        {
            links.Add($"Alert source: {source}");
        }

        if (issue is { } incidentIssue)
        {
            links.Add($"Incident issue: {incidentIssue.Url}");
        }

        if (hotfix is { } pr)
        {
            links.Add($"Hotfix: {pr.Url}");
        }

        links.Add($"Workflow: `{Workflow.Info.WorkflowId}`");
        return IncidentTexts.Postmortem(alert, consensus, timeline, actions, links, resolvedAt, RepeatCount);
    }
}

using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.ChangeRequests;

/// <summary>
/// The change pipeline (runs inside workflows): commits on a new branch, a draft PR, the quality gate as a child
/// workflow, rounds of fixes by an agent while it fails, then ready for review and the merge — or the PR left as a
/// draft, or undone. Everything it made has its undo registered as it is made; <see cref="UndoAsync"/> runs them.
/// </summary>
/// <remarks>
/// It is <see cref="ChangeRequestWorkflow"/>'s body. Plans started before the change request became a child workflow
/// run it inline (<c>legacy</c>), where it must record the same commands those runs recorded: the undo of the branch
/// is then registered before the push, as it was.
/// </remarks>
internal sealed class ChangePipeline
{
    private readonly ChangeRequestInput input;
    private readonly AgentSession agents;
    private readonly Func<string, Task> publish;
    private readonly Func<Task>? report;
    private readonly bool legacy;
    private readonly List<ProgressStep> steps = [.. ChangeTexts.Steps.Select(name => new ProgressStep(name, "pending"))];
    private readonly List<string> notes = [];
    private readonly Compensations undo = new();
    private readonly List<string> undone = [];
    private string stage = "starting";
    private int fixRound;
    private bool qaCompleted;
    private double? qaScore;
    private PullRequestRef? pullRequest;
    private string? head;
    private int commits;
    private bool kept;
    private int sequence;

    /// <param name="input">The change and its policies.</param>
    /// <param name="agents">The run's agents (the fixer is asked through them, within the run's budget).</param>
    /// <param name="publish">Shows a headline with the current status to people (the parent's progress comment).</param>
    /// <param name="report">Tells the parent the status without a headline of its own; null: nobody listens.</param>
    /// <param name="legacy">Run inline for a plan started before change requests were child workflows.</param>
    public ChangePipeline(ChangeRequestInput input, AgentSession agents, Func<string, Task> publish, Func<Task>? report, bool legacy)
    {
        this.input = input;
        this.agents = agents;
        this.publish = publish;
        this.report = report;
        this.legacy = legacy;
        commits = input.Commits.Count;
    }

    /// <summary>The change's progress, as its Status query and its parent show it.</summary>
    public ChangeRequestStatus Status => new()
    {
        Stage = stage,
        Steps = [.. steps],
        Notes = [.. notes],
        FixRound = fixRound,
        QaCompleted = qaCompleted,
        QaScore = qaScore,
        PullRequest = pullRequest,
        Head = head,
        Commits = commits,
        Usage = agents.Usage,
        Undone = [.. undone],
        Kept = kept,
        Sequence = sequence,
    };

    /// <summary>Takes the change as far as its policies allow; throws on cancellation or failure (then call <see cref="UndoAsync"/>).</summary>
    public async Task<ChangeRequestResult> RunAsync(CancellationToken token)
    {
        var pr = await OpenAsync(token);
        var (gate, handedOver) = await GateWithFixesAsync(pr, token);
        if (handedOver)
        {
            return HandedOver(pr, gate);
        }

        if (!gate.CanMerge)
        {
            Step("Quality gate", "failed", $"{ChangeTexts.Score(gate.OverallScore)} after {fixRound} fix rounds");
            return await GateFailedAsync(pr, gate, token);
        }

        Step("Quality gate", "done", ChangeTexts.Score(gate.OverallScore));
        stage = "marking ready";
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.MarkReadyForReviewAsync(input.Target, pr), ActivityPresets.GitHubCall.WithCancellation(token));

        // From here the PR stands on its own: a cancel or failure no longer undoes it.
        kept = true;
        undo.Clear();
        Step("Pull request", "done", $"ready for review: {pr.Url}");
        return await MergeAsync(pr, gate, token);
    }

    /// <summary>
    /// Undoes what the change made, newest first, on a token of its own; a failed undo is logged and noted, never
    /// thrown. Returns what was undone (also in <see cref="Status"/>).
    /// </summary>
    public async Task<IReadOnlyList<string>> UndoAsync(string why)
    {
        var (done, failed) = await undo.RunAsync();
        notes.AddRange(failed);
        undone.AddRange(done);
        foreach (var step in steps.Where(s => s.State == "running").ToList())
        {
            Step(step.Name, "failed", why);
        }

        if (done.FirstOrDefault(d => d.StartsWith("deleted the branch", StringComparison.Ordinal)) is { } deleted)
        {
            Step("Branch", "undone", deleted);
        }

        if (pullRequest is { } pr && done.Contains($"closed #{pr.Number}"))
        {
            Step("Pull request", "undone", $"closed {pr.Url}");
        }

        stage = "undone";
        return done;
    }

    /// <summary>The branch pushed (one commit per patch) and a draft PR opened on it; each registered for undo.</summary>
    private async Task<PullRequestRef> OpenAsync(CancellationToken token)
    {
        stage = "pushing";
        Step("Branch", "running");
        if (legacy)
        {
            undo.Add($"the branch `{input.Branch}`", DeleteBranchAsync);
        }
        else
        {
            // A push cannot be interrupted: a cancel that came first stops the change before it.
            token.ThrowIfCancellationRequested();
        }

        var pushRequest = new PushPatchesRequest(input.Base, [.. input.Commits], input.Branch) { NewBranch = !legacy };
        head = await Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.PushPatchesAsync(pushRequest), ActivityPresets.Repo.Uninterrupted());
        if (!legacy)
        {
            // Only a branch this run pushed is ever deleted, and only while it still points at what the run pushed.
            undo.Add($"the branch `{input.Branch}`", DeleteBranchAsync);
        }

        Step("Branch", "done", $"`{input.Branch}` at `{Shas.Abbreviate(head)}`");
        token.ThrowIfCancellationRequested();

        // A draft PR, so nobody merges it before the gate has spoken.
        stage = "opening the pull request";
        Step("Pull request", "running");
        var openRequest = new OpenPullRequestRequest(input.Target, input.Branch, input.BaseBranch, input.PullRequest.Title, OwnIssuesOnly(input.PullRequest.Body), Draft: true);
        var pr = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.OpenPullRequestAsync(openRequest), ActivityPresets.GitHubCall.Uninterrupted());
        pullRequest = pr;
        undo.Add($"#{pr.Number}", undoToken => ClosePullRequestAsync(pr, undoToken));
        token.ThrowIfCancellationRequested();
        foreach (var label in input.PullRequest.Labels)
        {
            var request = new LabelRequest(input.Target, pr.Number, label, true);
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.SetLabelAsync(request), ActivityPresets.GitHubCall.WithCancellation(token));
        }

        Step("Pull request", "done", $"draft {pr.Url}");
        return pr;
    }

    /// <summary>
    /// The gate of the branch's head, and while it fails and rounds are left, an agent's fixes pushed and gated again.
    /// Handed over when someone else stopped the gate (a push to the branch, a person).
    /// </summary>
    private async Task<(QualityGateResult Gate, bool HandedOver)> GateWithFixesAsync(PullRequestRef pr, CancellationToken token)
    {
        var rounds = input.Fix.Rounds;
        while (true)
        {
            stage = fixRound == 0 ? "quality gate" : $"quality gate (fix round {fixRound})";
            Step("Quality gate", "running", fixRound == 0 ? null : $"fix round {fixRound} of {rounds}");
            await PublishAsync("The quality gate is checking the branch.");
            var gate = await GateAsync(pr, head!, token);
            if (gate.FixedSha is { } fixedSha)
            {
                // The gate pushed its fixes (as the App) on top: that commit is the branch's head now.
                head = fixedSha;
                gate = gate.Recheck ?? await AwaitGateAsync(WorkflowIds.QualityGate(input.Target.Owner, input.Target.Repo, pr.Number, fixedSha), token);
            }

            if (gate.Conclusion == "cancelled")
            {
                return (gate, true);
            }

            qaCompleted = true;
            qaScore = gate.OverallScore;
            if (gate.CanMerge || fixRound >= rounds)
            {
                return (gate, false);
            }

            fixRound++;
            stage = $"fixing (round {fixRound})";
            Step("Quality gate", "failed", $"{ChangeTexts.Score(gate.OverallScore)}; fix round {fixRound} of {rounds}");
            await PublishAsync("The quality gate failed; a coder is fixing it.");
            var headSnapshot = input.Base with { Sha = head! };
            var refused = agents.Refused.Count;
            var fix = await agents.CodeAsync(
                ChangeTexts.FixTask(input.Fix, gate), input.Fix.Files, ChangeTexts.FixCommit(fixRound, input.Fix.Reference), headSnapshot, [], null, token, input.Fix.Role);
            notes.AddRange(agents.Refused.Skip(refused).Select(r => $"Refused and left out (agents.allow_config_edits is off): {r}"));
            var fixPush = new PushPatchesRequest(headSnapshot, [fix], input.Branch);
            head = await Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.PushPatchesAsync(fixPush), ActivityPresets.Repo.Uninterrupted());
            commits++;
        }
    }

    /// <summary>
    /// Runs the quality gate of the branch's head as a child (cancelled with this run). When the PR's own webhook
    /// started the gate of that commit first, its result is awaited instead of running a second gate.
    /// </summary>
    private async Task<QualityGateResult> GateAsync(PullRequestRef pr, string sha, CancellationToken token)
    {
        var id = WorkflowIds.QualityGate(input.Target.Owner, input.Target.Repo, pr.Number, sha);
        var gateInput = new QualityGateInput
        {
            Owner = input.Target.Owner,
            Repo = input.Target.Repo,
            PullRequestNumber = pr.Number,
            HeadSha = sha,
            BaseSha = input.Base.Sha,
            Branch = input.Branch,
            InstallationId = input.Target.InstallationId,
            CloneUrl = input.Base.CloneUrl,
            AttemptAutoFix = input.Gate.AttemptAutoFix,
            RequiredScore = input.Gate.RequiredScore,
            RequiredCoverage = input.Gate.RequiredCoverage,
            Trigger = input.Gate.Trigger,
            ThresholdsRaiseOnly = true,
        };
        var child = await Children.StartOrFindAsync(
            (QualityGateWorkflow wf) => wf.RunAsync(gateInput),
            new ChildWorkflowOptions
            {
                Id = id,
                ParentClosePolicy = ParentClosePolicy.RequestCancel,
                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                CancellationToken = token,
            });
        if (child is null)
        {
            return await AwaitGateAsync(id, token);
        }

        try
        {
            return await child.GetResultAsync();
        }
        catch (ChildWorkflowFailureException ex) when (TemporalException.IsCanceledException(ex) && !token.IsCancellationRequested)
        {
            // Cancelled through Temporal by someone else, not with this run.
            return QualityGateResult.Cancelled("The gate workflow was cancelled through Temporal.");
        }
    }

    private static Task<QualityGateResult> AwaitGateAsync(string id, CancellationToken token) =>
        Workflow.ExecuteActivityAsync((GateControlActivities control) => control.AwaitGateAsync(id), ActivityPresets.AwaitGate.WithCancellation(token));

    /// <summary>The gate kept failing: leave the draft with the failures explained, or undo the change, as the policy says.</summary>
    private async Task<ChangeRequestResult> GateFailedAsync(PullRequestRef pr, QualityGateResult gate, CancellationToken token)
    {
        var failures = ChangeTexts.GateFailures(gate);
        var score = ChangeTexts.Score(gate.OverallScore);
        if (input.Undo.OnGateFailure == "close")
        {
            var why = $"The quality gate still failed ({score}) after {fixRound} fix rounds.";
            await UndoAsync(why);
            stage = "done";
            notes.Add(failures);
            return Result("closed", why, pr, gate, merged: false);
        }

        var comment = ChangeTexts.StaysDraft(gate, fixRound);
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(input.Target, pr.Number, comment)), ActivityPresets.GitHubCall.WithCancellation(token));
        Step("Merge", "skipped", "the gate did not pass");
        notes.Add(failures);
        return Finish("draft", $"{pr.Url} is left as a draft: the quality gate still fails ({score}) after {fixRound} fix rounds.", pr, gate, merged: false);
    }

    /// <summary>Merges the PR when the policy allows and the score is high enough; GitHub's refusal is said, not thrown.</summary>
    private async Task<ChangeRequestResult> MergeAsync(PullRequestRef pr, QualityGateResult gate, CancellationToken token)
    {
        var score = ChangeTexts.Score(gate.OverallScore);
        if (!input.Merge.Auto)
        {
            Step("Merge", "skipped", "auto-merge is off: a maintainer merges it");
            return Finish("ready", $"{pr.Url} passed the quality gate ({score}) and is ready for review.", pr, gate, merged: false);
        }

        if (input.Merge.MinScore is { } minimum && gate.OverallScore < minimum)
        {
            var why = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the score {gate.OverallScore:0.#} is below auto_merge.min_score {minimum:0.#}");
            Step("Merge", "skipped", why);
            return Finish("ready", $"{pr.Url} passed the quality gate but is not merged: {why}.", pr, gate, merged: false);
        }

        if (Workflow.Patched(AgentSession.ConfigEditsPatch) && await ConfigEditedAsync(token) is { Count: > 0 } config)
        {
            // Whoever made them (the change's agents with the repository's leave, the gate's fixes), a person merges them.
            var why = ConfigEdits.NotMerged(config);
            Step("Merge", "skipped", why);
            var said = $"Not merged automatically: {why}. The quality gate passed ({score}).";
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(input.Target, pr.Number, said)), ActivityPresets.GitHubCall.WithCancellation(token));
            return Finish("ready", $"{pr.Url} passed the quality gate ({score}) but is not merged automatically: {why}.", pr, gate, merged: false);
        }

        stage = "merging";
        if (report is not null)
        {
            sequence++;
            await report();
        }

        var mergeRequest = new MergeRequest(input.Target, pr.Number, head!, input.Merge.Method, OwnIssuesOnly($"{input.PullRequest.Title} (#{pr.Number})"));
        var outcome = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.MergePullRequestAsync(mergeRequest), ActivityPresets.GitHubCall.WithCancellation(token));
        for (var retry = 0; retry < 2 && !outcome.Merged && outcome.Message.Contains("not mergeable", StringComparison.OrdinalIgnoreCase); retry++)
        {
            // GitHub works out mergeability in the background after a push or a change of state: ask again shortly.
            await Workflow.DelayAsync(TimeSpan.FromSeconds(15), token);
            outcome = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.MergePullRequestAsync(mergeRequest), ActivityPresets.GitHubCall.WithCancellation(token));
        }

        if (!outcome.Merged)
        {
            Step("Merge", "failed", outcome.Message);
            return Finish("ready", $"{pr.Url} passed the quality gate but GitHub did not merge it: {outcome.Message}", pr, gate, merged: false);
        }

        Step("Merge", "done", $"{input.Merge.Method} of `{Shas.Abbreviate(head!)}`");
        return Finish("merged", $"{pr.Url} passed the quality gate ({score}) and was merged.", pr, gate, merged: true);
    }

    /// <summary>
    /// The gate was cancelled by someone else (a push to the branch superseded it, or a person stopped it): the
    /// branch and the PR are theirs to carry on, so nothing is undone and the change stops, saying so.
    /// </summary>
    private ChangeRequestResult HandedOver(PullRequestRef pr, QualityGateResult gate)
    {
        kept = true;
        undo.Clear();
        var why = gate.BlockingIssues.Count > 0 ? gate.BlockingIssues[0] : "The quality gate was cancelled.";
        Step("Quality gate", "failed", "cancelled");
        var explanation = $"The quality gate of {pr.Url} was stopped by someone else, so GitHubBot stops here and leaves the PR and its branch as they are. ({why.Split('\n')[0]})";
        return Finish("stopped", explanation, pr, gate, merged: false);
    }

    private ChangeRequestResult Finish(string outcome, string explanation, PullRequestRef pr, QualityGateResult gate, bool merged)
    {
        stage = "done";
        return Result(outcome, explanation, pr, gate, merged);
    }

    private ChangeRequestResult Result(string outcome, string explanation, PullRequestRef pr, QualityGateResult gate, bool merged)
    {
        sequence++;
        return new ChangeRequestResult
        {
            Outcome = outcome,
            Explanation = explanation,
            Status = Status,
            PullRequest = pr,
            HeadSha = head,
            Gate = gate,
            Merged = merged,
        };
    }

    private async Task PublishAsync(string headline)
    {
        sequence++;
        await publish(headline);
    }

    private void Step(string name, string state, string? detail = null) => ProgressComment.Set(steps, name, state, detail);

    /// <summary>Text that closes only the issues the change owns (a merge commit's title reaches the default branch too).</summary>
    private string OwnIssuesOnly(string text) =>
        input.OwnedIssues is { } owned ? ClosingKeywords.Neutralize(text, owned, $"{input.Target.Owner}/{input.Target.Repo}") : text;

    /// <summary>The edits of test, build and CI configuration between the base and the branch's head, whoever made them.</summary>
    private Task<IReadOnlyList<ConfigEdit>> ConfigEditedAsync(CancellationToken token)
    {
        stage = "checking what the change edits";
        var request = new ChangedConfigRequest(input.Base, head!);
        return Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.ChangedConfigAsync(request), ActivityPresets.Repo.WithCancellation(token));
    }

    /// <summary>
    /// Deletes the branch while it still points at what the run pushed last; someone else's push keeps it. (Only a
    /// legacy run gets here before its push: then it expects no commit, and a branch that exists is left alone.)
    /// </summary>
    private async Task<string> DeleteBranchAsync(CancellationToken undoToken)
    {
        var request = new DeleteBranchRequest(input.Target, input.Branch, head ?? string.Empty);
        return await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.DeleteBranchAsync(request), ActivityPresets.GitHubCall.WithCancellation(undoToken))
            ? $"deleted the branch `{input.Branch}`"
            : head is null
                ? $"left the branch `{input.Branch}` as it is: this run pushed nothing to it"
                : $"left the branch `{input.Branch}` as it is: someone else pushed to it";
    }

    /// <summary>Closes the PR unless someone else pushed to its branch (then it is theirs to finish or close).</summary>
    private async Task<string> ClosePullRequestAsync(PullRequestRef pr, CancellationToken undoToken)
    {
        var current = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetPullRequestHeadAsync(input.Target, pr.Number), ActivityPresets.GitHubCall.WithCancellation(undoToken));
        if (current.Sha != head)
        {
            return $"left #{pr.Number} open: someone else pushed to it";
        }

        var close = new UpdatePullRequestRequest(input.Target, pr.Number, null, true);
        await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.UpdatePullRequestAsync(close), ActivityPresets.GitHubCall.WithCancellation(undoToken));
        return $"closed #{pr.Number}";
    }
}

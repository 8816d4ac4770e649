using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GitHubBot.Core.Agents;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.CodeMigration;

/// <summary>
/// One code migration: analyse the repository (recipes for version bumps, uses of what changes), plan the steps as a
/// dependency graph (checked before anything changes, posted as a task list; a dry run stops there), run the steps
/// in dependency order on <c>ghbot/migrate-{type}-{to}</c> — each generated, verified by the repository's checks and
/// its own acceptance, fixed with the failure fed back, then committed, or rolled back with its dependents — and
/// hand the result to a <see cref="ChangeRequestWorkflow"/> for one PR with the report. Pause and resume act between
/// steps; step approval waits after each verified step. The steps are in <c>.Steps.workflow.cs</c>.
/// </summary>
[Workflow]
public sealed partial class CodeMigrationWorkflow
{
    private readonly StopSwitch stop = new();
    private readonly ChangeRequestChild child = new();
    private readonly ProgressCommentUpdates progress = new();
    private readonly List<ProgressStep> stages = [.. MigrationTexts.Stages.Select(name => new ProgressStep(name, "pending"))];
    private readonly List<StepReport> reports = [];
    private readonly List<string> notes = [];

    private CodeMigrationInput input = null!;
    private string subjectType = string.Empty;
    private RepositoryTarget target = null!;
    private RepoConfig config = new();
    private RepoSnapshot? snapshot;
    private string defaultBranch = "main";
    private MigrationAnalysis? analysis;
    private MigrationPlan? plan;
    private AgentSession? agents;
    private string stage = "starting";
    private string? branch;
    private PullRequestRef? pullRequest;
    private bool merged;
    private string? head;
    private bool changing;
    private string outcome = "completed";

    [WorkflowRun]
    public async Task<CodeMigrationResult> RunAsync(CodeMigrationInput input)
    {
        this.input = input ?? throw new ApplicationFailureException("CodeMigrationWorkflow needs an input.", errorType: "InvalidInput", nonRetryable: true);
        if (Invalid(input) is { } why)
        {
            throw new ApplicationFailureException(why, errorType: "InvalidInput", nonRetryable: true);
        }

        subjectType = MigrationRecipes.Subject(input.MigrationType).Type;
        target = new RepositoryTarget(input.Owner, input.Repo, input.InstallationId);
        try
        {
            return await stop.RunAsync(MigrateAsync);
        }
        catch (Exception ex) when (stop.IsStop(ex))
        {
            return await StoppedAsync(stop.Reason ?? "The migration was cancelled through Temporal.");
        }
        catch (Exception ex) when (!Failures.IsCancellation(ex) && ex is not InvalidWorkflowOperationException)
        {
            var reason = $"The migration stopped: {Failures.Reason(ex)}";
            stage = "failed";
            await DeleteBranchAsync();
            await ProgressAsync($"**Stopped.** {GitHubText.Inline(reason)}", detached: true);
            throw new ApplicationFailureException(reason, ex, errorType: Failures.Cause(ex)?.ErrorType ?? "MigrationFailed", nonRetryable: true);
        }
    }

    /// <summary>Pauses the migration before its next step (the step running now finishes first).</summary>
    [WorkflowSignal(MigrationSignals.Pause)]
    public Task PauseAsync(string? by)
    {
        if (changing)
        {
            News("Every step is done and the pull request is on its way: there is nothing left to pause.");
        }
        else if (!paused)
        {
            paused = true;
            pausedBy = string.IsNullOrWhiteSpace(by) ? "an operator" : by;
            News($"Paused by @{GitHubText.Inline(pausedBy)}: the next step waits for `/resume`.");
        }

        return Task.CompletedTask;
    }

    /// <summary>Resumes a paused migration.</summary>
    [WorkflowSignal(MigrationSignals.Resume)]
    public Task ResumeAsync(string? by)
    {
        if (paused)
        {
            paused = false;
            News($"Resumed by @{GitHubText.Inline(string.IsNullOrWhiteSpace(by) ? "an operator" : by)}.");
        }

        return Task.CompletedTask;
    }

    /// <summary>Approves the step waiting for approval (with step approval); an answer naming another step is ignored.</summary>
    [WorkflowSignal(WorkflowSignals.Approve)]
    public Task ApproveAsync(StepDecision? approved)
    {
        if (waitingForApproval && decision is null && (approved?.Step is null || approved.Step == current))
        {
            decision = new StepDecision(true, approved?.By is { Length: > 0 } by ? by : "an operator");
        }

        return Task.CompletedTask;
    }

    /// <summary>Rejects the step waiting for approval: it is not kept, and the steps that depend on it are skipped.</summary>
    [WorkflowSignal(WorkflowSignals.Reject)]
    public Task RejectAsync(StepDecision? rejected)
    {
        if (waitingForApproval && decision is null && (rejected?.Step is null || rejected.Step == current))
        {
            decision = new StepDecision(false, rejected?.By is { Length: > 0 } by ? by : "an operator", rejected?.Reason);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops the migration and undoes it: its branch is deleted, its PR (when open) closed.</summary>
    [WorkflowSignal(WorkflowSignals.Cancel)]
    public Task CancelAsync(string? reason)
    {
        stop.Stop(reason);
        return Task.CompletedTask;
    }

    /// <summary>Rolls the running migration back: as a cancel, said as a rollback.</summary>
    [WorkflowSignal(MigrationSignals.Rollback)]
    public Task RollbackAsync(string? by)
    {
        rolledBack = true;
        stop.Stop($"Rolled back by @{GitHubText.Inline(string.IsNullOrWhiteSpace(by) ? "an operator" : by)}.");
        return Task.CompletedTask;
    }

    /// <summary>The change request reporting its steps.</summary>
    [WorkflowSignal(ChangeRequestSignals.Progress)]
    public Task ChangeProgressAsync(ChangeProgress? update)
    {
        if (changing)
        {
            child.Receive(update);
        }

        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public CodeMigrationStatus Status => new(reports.Count(r => r.State == "done"), reports.Count, current, paused)
    {
        FailedSteps = [.. reports.Where(r => r.State is "failed" or "rolled-back").Select(r => r.Id)],
        Stage = changing && child.Status is { } change ? $"pull request: {change.Stage}" : stage,
        WaitingForApproval = waitingForApproval,
        Steps = reports,
        IssueNumber = input?.IssueNumber,
        Branch = branch,
        PrUrl = pullRequest?.Url ?? child.Status?.PullRequest?.Url,
        Usage = agents?.Usage ?? new AgentUsage(0, 0),
    };

    private async Task<CodeMigrationResult> MigrateAsync(CancellationToken token)
    {
        stage = "analysing";
        Stage("Analysis", "running");
        await ProgressAsync("Analysing the repository.");
        var settings = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.FetchRepoConfigAsync(target), ActivityPresets.GitHubCall.WithCancellation(token));
        config = settings.Resolve();
        var info = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetRepositoryAsync(target), ActivityPresets.GitHubCall.WithCancellation(token));
        snapshot = new RepoSnapshot(target, info.CloneUrl, info.HeadSha);
        working = snapshot;
        defaultBranch = info.DefaultBranch;
        agents = new AgentSession(Budget(), config.Agents.CoderAttempts, config.Agents.AllowConfigEdits);
        var request = new AnalyzeRequest(snapshot, input.MigrationType, input.SourceVersion, input.TargetVersion, Workflow.UtcNow);
        analysis = await Workflow.ExecuteActivityAsync((MigrationActivities migration) => migration.AnalyzeAsync(request), ActivityPresets.Workspace.WithCancellation(token));
        Stage("Analysis", "done", string.Create(CultureInfo.InvariantCulture, $"{analysis.FilesTotal} files, {analysis.AffectedFiles.Count} use {subjectType}, complexity {analysis.Complexity}"));

        plan = await PlanAsync(analysis, token);
        if (input.DryRun)
        {
            outcome = "dry-run";
            stage = "done";
            await ProgressAsync("**Dry run:** the plan is above; nothing was changed.", detached: true);
            return Result();
        }

        stage = "migrating";
        branch = MigrationTexts.Branch(subjectType, input.TargetVersion);
        var stoppedAt = await ExecuteAsync(token);
        current = null;
        if (stoppedAt is not null || accepted.Count == 0)
        {
            outcome = "failed";
            stage = "done";
            var why = stoppedAt is { } step
                ? $"**Stopped at step `{step}`** (no automatic rollback): {(branchPushed ? $"the branch `{branch}` holds the steps before it" : "nothing was pushed")}."
                : "**Nothing was migrated:** no step passed its checks.";
            await ProgressAsync(why, detached: true);
            await ReportAsync(token);
            return Result();
        }

        outcome = reports.All(r => r.State == "done") ? "completed" : "partial";
        await PullRequestAsync(token);
        stage = "done";
        await ProgressAsync(pullRequest is { } pr ? $"**Migrated:** {pr.Url}" : "**Migrated.**", detached: true);
        return Result();
    }

    /// <summary>The plan: the recipe's step, the migrator's steps when needed; checked, then posted as a task list.</summary>
    private async Task<MigrationPlan> PlanAsync(MigrationAnalysis found, CancellationToken token)
    {
        stage = "planning";
        Stage("Plan", "running");
        MigratorAnswer? answer = null;
        if (MigrationPlanning.NeedsMigrator(found))
        {
            var task = MigrationPlanning.MigratorTask(found, subjectType, input.SourceVersion, input.TargetVersion);
            answer = await agents!.AskAsync<MigratorAnswer>("migrator", task, new RepoView(snapshot!, [], [.. found.AffectedFiles.Take(20)]), token);
        }
        else if (!found.AgentsAvailable && (found.AffectedFiles.Count > 0 || found.Recipe is null))
        {
            notes.Add($"No agent is configured (Agents:Provider), so only recipes run: code that uses {subjectType} is not changed by GitHubBot.");
        }

        var made = MigrationPlanning.Build(found, subjectType, input.SourceVersion, input.TargetVersion, answer);
        var problems = MigrationGraph.Problems(made);
        if (problems.Count > 0)
        {
            Stage("Plan", "failed", GitHubText.Inline(string.Join(" ", problems)));
            throw new ApplicationFailureException($"The migration plan cannot be used: {string.Join(" ", problems)}", errorType: "InvalidPlan", nonRetryable: true);
        }

        reports.AddRange(made.Steps.Select(s => new StepReport(s.Id, s.Title, "pending", 0, [], 0, null) { Files = s.Files }));
        Stage("Plan", "done", string.Create(CultureInfo.InvariantCulture, $"{made.Steps.Count} steps"));
        if (input.IssueNumber is { } issue)
        {
            var body = MigrationTexts.PlanComment(subjectType, input.SourceVersion, input.TargetVersion, made, found, input.DryRun, Workflow.Info.WorkflowId);
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(target, issue, body)), ActivityPresets.GitHubCall.WithCancellation(token));
        }

        return made;
    }

    /// <summary>The migration's change as one PR through the change pipeline: a commit per step, or one (batch).</summary>
    private async Task PullRequestAsync(CancellationToken token)
    {
        stage = "opening the pull request";
        var title = MigrationTexts.Title(subjectType, input.SourceVersion, input.TargetVersion);
        IReadOnlyList<Patch> commits = input.Incremental
            ? accepted
            : [MigrationPlanning.Combine($"{title}\n\n{string.Join("\n", acceptedSteps.Select(id => $"{MigrationTexts.StepTrailer}: {id}"))}", accepted, Workflow.UtcNow)];
        var report = Report();
        var change = new ChangeRequestInput
        {
            Target = target,
            Base = snapshot!,
            BaseBranch = defaultBranch,
            Branch = branch!,
            Commits = commits,
            PullRequest = new PullRequestSpec(title, MigrationTexts.PullRequestBody(report, input.IssueNumber, Workflow.Info.WorkflowId) + ConfigEdits.PullRequestSection(agents!.Refused, agents.ConfigEdited))
            {
                Labels = [MigrationTexts.Label],
            },
            Gate = new GatePolicy { Trigger = "code-migration" },
            Fix = new FixPolicy
            {
                Rounds = analysis!.AgentsAvailable ? config.Agents.FixRounds : 0,
                Goal = title,
                Reference = input.IssueNumber is { } issue ? $"#{issue}" : title,
                Context = $"# The migration\n\n{report}",
                Files = [.. plan!.Steps.SelectMany(s => s.Files).Distinct(StringComparer.Ordinal).Take(30)],
                Attempts = config.Agents.CoderAttempts,
                Budget = Budget() with { Used = agents.Usage },
                AllowConfigEdits = config.Agents.AllowConfigEdits,
            },
            Merge = new MergePolicy { Auto = config.AutoMerge.Enabled, Method = config.AutoMerge.Method, MinScore = config.AutoMerge.MinScore },
            Undo = new UndoPolicy { OnGateFailure = "draft" },
            OwnedIssues = input.IssueNumber is { } owned ? [owned] : [],
        };
        var id = ChangeBranches.For(WorkflowIds.ChangeRequest(input.Owner, input.Repo, branch!), Workflow.Info.RunId);
        changing = true;
        ChangeRequestResult result;
        try
        {
            result = await child.RunAsync(change, id, headline => { News(headline); return Task.CompletedTask; }, () => stop.Reason ?? "The migration was cancelled.", token);
        }
        finally
        {
            changing = false;
            if (child.Status is { } last)
            {
                agents.Adopt(last.Usage);
            }
        }

        pullRequest = result.PullRequest;
        merged = result.Merged;
        head = result.HeadSha;
        notes.Add($"The pull request {(pullRequest is { } pr ? $"#{pr.Number} " : string.Empty)}{result.Outcome}: {result.Explanation}");

        // Stopped while the change request ran: it undid its PR (unless it was merged meanwhile), and the run says so.
        token.ThrowIfCancellationRequested();
    }

    /// <summary>Stopped (Cancel or Rollback): the branch GitHubBot pushed is deleted (the change request undoes its own PR).</summary>
    private async Task<CodeMigrationResult> StoppedAsync(string why)
    {
        outcome = rolledBack ? "rolled-back" : "cancelled";
        stage = outcome;
        foreach (var report in reports.Where(r => r.State is "pending" or "running").ToList())
        {
            Set(report.Id, "stopped", report.Attempts, report.Checks, report.Seconds, why);
        }

        await DeleteBranchAsync();
        if (merged && pullRequest is { } pr)
        {
            notes.Add($"#{pr.Number} was merged before the stop reached it: `/rollback` on the issue reverts it.");
        }

        await ProgressAsync($"**{(rolledBack ? "Rolled back" : "Cancelled")}.** {why}", detached: true);
        return Result();
    }

    /// <summary>Deletes the branch this run pushed its steps to, when no change request took it over (that one undoes its own).</summary>
    private async Task DeleteBranchAsync()
    {
        if (branchPushed && child.Status is null && branch is { } pushed)
        {
            using var own = new CancellationTokenSource();
            var deleted = await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.DeleteBranchAsync(new DeleteBranchRequest(target, pushed, pushedHead)), ActivityPresets.GitHubCall.WithCancellation(own.Token));
            notes.Add(deleted ? $"Deleted the branch `{pushed}`." : $"Left the branch `{pushed}`: someone else pushed to it.");
            branchPushed = !deleted;
        }
    }

    private AgentBudget Budget() => new() { MaxTokens = config.Agents.MaxTokens, MaxCalls = config.Agents.MaxIterations };

    private void Stage(string name, string state, string? detail = null) => ProgressComment.Set(stages, name, state, detail);

    /// <summary>A workspace key of this run's step attempt (the gate's key rules: letters, digits, dashes).</summary>
    private static string Key(int step, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"migrate-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Workflow.Info.RunId)))[..12]}-{step}-{attempt}");

    private string Report() =>
        MigrationTexts.Report(subjectType, input.SourceVersion, input.TargetVersion, reports, outcome, agents?.Usage.Tokens ?? 0, agents?.Usage.Calls ?? 0, [.. notes, .. Refusals()]);

    /// <summary>The coders' edits of test, build and CI configuration that were refused and left out, for the report.</summary>
    private IEnumerable<string> Refusals() => agents?.Refused.Select(r => $"Refused and left out (agents.allow_config_edits is off): {r}") ?? [];

    /// <summary>The report as a comment on the issue (when the migration did not end in a PR, which carries it).</summary>
    private async Task ReportAsync(CancellationToken token)
    {
        if (input.IssueNumber is { } issue)
        {
            var body = Report();
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(target, issue, body)), ActivityPresets.GitHubCall.WithCancellation(token));
        }
    }

    private CodeMigrationResult Result() => new(reports.Count(r => r.State == "done"), reports.Count, pullRequest?.Url, Report())
    {
        Outcome = outcome,
        Steps = reports,
        FailedSteps = [.. reports.Where(r => r.State is "failed" or "rolled-back").Select(r => r.Id)],
        Branch = branch,
        PullRequestNumber = pullRequest?.Number,
        Merged = merged,
        BaseSha = snapshot?.Sha,
        HeadSha = head ?? pushedHead,
        IssueNumber = input.IssueNumber,
        Plan = plan,
        Analysis = analysis is { } found ? new AnalysisFigures(found.FilesTotal, found.FilesScanned, found.AffectedFiles.Count, found.Usages.Sum(u => u.Count), found.Complexity) : null,
        Usage = agents?.Usage ?? new AgentUsage(0, 0),
    };

    /// <summary>An update of the progress comment, sent in the background after the one before it.</summary>
    private void News(string headline)
    {
        if (ProgressRequest(headline) is { } request)
        {
            progress.Send(request, stop.Token ?? CancellationToken.None);
        }
    }

    /// <summary>Writes the progress comment after every update sent before it, and waits for it.</summary>
    private Task ProgressAsync(string headline, bool detached = false) => progress.WriteAsync(() => ProgressRequest(headline), stop.Token, detached);

    private UpsertCommentRequest? ProgressRequest(string headline) =>
        input?.IssueNumber is { } issue && target is not null ? new UpsertCommentRequest(target, issue, MigrationTexts.ProgressMarker, ProgressBody(headline)) : null;

    private string ProgressBody(string headline)
    {
        var change = child.Status;
        var steps = reports.Select(r => new ProgressStep($"Step {GitHubText.Inline(r.Id)}: {GitHubText.Inline(r.Title)}", ProgressState(r.State), GitHubText.Inline(r.Why ?? string.Join("; ", r.Checks))));
        var state = paused ? " · **paused**" : waitingForApproval ? " · waiting for `/approve` or `/reject`" : string.Empty;
        var footer = string.Create(CultureInfo.InvariantCulture, $"{reports.Count(r => r.State == "done")}/{reports.Count} steps{state} · {agents?.Usage.Calls ?? 0} agent calls, {agents?.Usage.Tokens ?? 0} tokens · workflow `{Workflow.Info.WorkflowId}`");
        return ProgressComment.Render(
            MigrationTexts.ProgressMarker,
            $"GitHubBot: {MigrationTexts.Title(subjectType, input.SourceVersion, input.TargetVersion)}",
            headline,
            [.. stages, .. steps, .. change?.Steps ?? []],
            [.. notes.Concat(Refusals()).Select(GitHubText.Inline), .. change?.Notes ?? []],
            footer);
    }

    /// <summary>A step's state as the progress comment's steps name them.</summary>
    private static string ProgressState(string state) => state switch
    {
        "done" => "done",
        "running" => "running",
        "pending" => "pending",
        "skipped" or "stopped" => "skipped",
        _ => "failed",
    };

    /// <summary>Why the input cannot be migrated, or null.</summary>
    private static string? Invalid(CodeMigrationInput input)
    {
        if (string.IsNullOrWhiteSpace(input.Owner) || string.IsNullOrWhiteSpace(input.Repo))
        {
            return "A migration needs the repository (owner and name).";
        }

        if (string.IsNullOrWhiteSpace(input.MigrationType) || input.MigrationType.Length > 100)
        {
            return "A migration needs its type (migration_type): what is migrated, at most 100 characters.";
        }

        return !MigrationRecipes.IsVersion(input.SourceVersion) || !MigrationRecipes.IsVersion(input.TargetVersion)
            ? $"'{GitHubText.Inline(input.SourceVersion ?? string.Empty)}' → '{GitHubText.Inline(input.TargetVersion ?? string.Empty)}': source_version and target_version must be versions such as 16.14.0 or 18."
            : null;
    }
}

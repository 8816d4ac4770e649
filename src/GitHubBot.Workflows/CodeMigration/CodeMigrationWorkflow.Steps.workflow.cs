using System.Globalization;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.CodeMigration;

/// <summary>
/// The migration's steps: in waves of the steps whose dependencies are done (generated side by side, applied one at a
/// time in the plan's order); each verified, fixed with its failure fed back, kept and pushed, or rolled back.
/// </summary>
public sealed partial class CodeMigrationWorkflow
{
    /// <summary>Every kept step's patch, on the snapshot the migration started from (the PR's commits).</summary>
    private readonly List<Patch> accepted = [];
    private readonly List<string> acceptedSteps = [];

    /// <summary>
    /// The kept patches not pushed yet, on <see cref="working"/>: what the next step's activities carry. Incremental
    /// runs push each kept step and go on from its commit, so a step carries its own change, not every one before it.
    /// </summary>
    private readonly List<Patch> unpushed = [];

    /// <summary>The commit the unpushed patches go on: the migration's snapshot, then the branch's head as pushed.</summary>
    private RepoSnapshot? working;
    private readonly HashSet<string> done = new(StringComparer.Ordinal);
    private readonly HashSet<string> started = new(StringComparer.Ordinal);

    private bool paused;
    private string? pausedBy;
    private bool waitingForApproval;
    private StepDecision? decision;
    private bool rolledBack;
    private string? current;
    private bool branchPushed;
    private string? pushedHead;

    /// <summary>Runs every step it can; returns the step the run stopped at (a failure without automatic rollback), or null.</summary>
    private async Task<string?> ExecuteAsync(CancellationToken token)
    {
        while (true)
        {
            await BetweenStepsAsync(token);
            var ready = MigrationGraph.Ready(plan!, done, started);
            if (ready.Count == 0)
            {
                return null;
            }

            foreach (var step in ready)
            {
                started.Add(step.Id);
            }

            // The wave's changes are written side by side on what is kept so far, then applied one by one.
            var (basis, baseline) = (working!, unpushed.ToList());
            var patches = await Workflow.WhenAllAsync(ready.Select(step => GenerateAsync(step, basis, baseline, null, token)));
            for (var i = 0; i < ready.Count; i++)
            {
                await BetweenStepsAsync(token);
                if (!await RunStepAsync(ready[i], patches[i], token))
                {
                    foreach (var left in ready.Skip(i + 1).Concat(plan!.Steps.Where(s => !started.Contains(s.Id))))
                    {
                        Set(left.Id, "not run", 0, [], 0, $"the migration stopped at step {ready[i].Id}");
                    }

                    return ready[i].Id;
                }
            }
        }
    }

    /// <summary>Waits while the migration is paused (a pause survives restarts: it is in the run's history).</summary>
    private async Task BetweenStepsAsync(CancellationToken token)
    {
        if (paused)
        {
            var was = stage;
            stage = "paused";
            await ProgressAsync($"**Paused** by @{GitHubText.Inline(pausedBy ?? "an operator")}: `/resume` goes on with the next step.");
            await Workflow.WaitConditionAsync(() => !paused, token);
            stage = was;
        }
    }

    /// <summary>
    /// The step's change on top of <paramref name="applied"/>: the recipe's bumps or a coder's edits; after a
    /// <paramref name="failure"/>, a coder's fix on top of <paramref name="previous"/> (the attempt that failed, when
    /// it still applies) or of the recipe.
    /// </summary>
    private async Task<(Patch Patch, string? Problem)> GenerateAsync(MigrationStep step, RepoSnapshot basis, IReadOnlyList<Patch> applied, string? failure, CancellationToken token, Patch? previous = null)
    {
        var recipe = step.Kind is "recipe" or "recipe+code" ? analysis!.Recipe : null;
        if (failure is null)
        {
            if (recipe is null || step.Kind == "recipe+code")
            {
                var code = await CodeAsync(step, basis, recipe is null ? applied : [.. applied, recipe], null, token);
                return recipe is null ? code : (recipe with { Message = code.Patch.Message, Edits = [.. recipe.Edits, .. code.Patch.Edits] }, code.Problem);
            }

            return (recipe, null);
        }

        var tried = previous is { Edits.Count: > 0 } earlier ? earlier : recipe;
        if (!analysis!.AgentsAvailable)
        {
            return (tried ?? new Patch(MigrationTexts.CommitMessage(step, null), [], Workflow.UtcNow), "no agent is configured to fix it (Agents:Provider)");
        }

        var fix = await CodeAsync(step, basis, tried is null ? applied : [.. applied, tried], failure, token);
        return tried is null ? fix : (tried with { Edits = [.. tried.Edits, .. fix.Patch.Edits] }, fix.Problem);
    }

    private async Task<(Patch Patch, string? Problem)> CodeAsync(MigrationStep step, RepoSnapshot basis, IReadOnlyList<Patch> applied, string? failure, CancellationToken token)
    {
        var task = MigrationPlanning.StepTask(step, subjectType, input.SourceVersion, input.TargetVersion, failure);
        try
        {
            var patch = await agents!.CodeAsync(task, step.Files, step.Title, basis, applied, null, token);
            var summary = patch.Message.Split("\n\n", 2) is [_, var said] ? said : null;
            return (patch with { Message = MigrationTexts.CommitMessage(step, summary) }, null);
        }
        catch (Exception ex) when (ex is FailureException && Failures.Cause(ex) is { ErrorType: "EditsDoNotApply" or "AgentOutputInvalid" or "ConfigEditsRefused" } cause)
        {
            // The coder could not write a change that applies: the step fails like a failing check.
            return (new Patch(MigrationTexts.CommitMessage(step, null), [], Workflow.UtcNow), $"the coder's change could not be used: {Failures.Said(cause)}");
        }
    }

    /// <summary>
    /// One step: verified (the repository's checks on the patches so far plus this one, and the step's acceptance),
    /// fixed up to <c>migration.fix_attempts</c> times with the failure fed back; then kept (committed, pushed when
    /// incremental, after approval when asked) or rolled back with its dependents. False: the run stops here.
    /// </summary>
    private async Task<bool> RunStepAsync(MigrationStep step, (Patch Patch, string? Problem) generated, CancellationToken token)
    {
        current = step.Id;
        var index = plan!.Steps.ToList().FindIndex(s => s.Id == step.Id);
        var startedAt = Workflow.UtcNow;
        var attempts = 1;
        IReadOnlyList<string> checks = [];
        Set(step.Id, "running", attempts, checks, 0, null);
        News($"Step `{GitHubText.Inline(step.Id)}`: {GitHubText.Inline(step.Title)}.");
        var (patch, failure) = generated;
        while (true)
        {
            Patch? tried = null;
            if (failure is null)
            {
                var problems = await AgentSession.CheckAsync(working!, unpushed, patch, token);
                if (problems.Count > 0)
                {
                    failure = "The change no longer applies on the steps kept before it:\n" + string.Join("\n", problems.Select(p => $"- {p}"));
                }
                else
                {
                    var request = new VerifyStepRequest(working!, [.. unpushed, patch], config.Migration.Checks, step.Forbidden, Key(index, attempts))
                    {
                        Gate = config.QualityGate,
                        ForbiddenIn = step.Files,
                    };
                    var verified = await Workflow.ExecuteActivityAsync(
                        (MigrationActivities migration) => migration.VerifyStepAsync(request), ActivityPresets.Check(config.Migration.StepTimeout).WithCancellation(token));
                    checks = verified.Checks;
                    if (verified.Passed)
                    {
                        return await KeepAsync(step, patch, attempts, checks, startedAt, token);
                    }

                    failure = verified.Failure ?? "The checks failed.";
                    tried = patch;
                }
            }

            var seconds = (Workflow.UtcNow - startedAt).TotalSeconds;
            if (attempts > config.Migration.FixAttempts || !analysis!.AgentsAvailable)
            {
                return await FailAsync(step, attempts, checks, seconds, failure);
            }

            attempts++;
            Set(step.Id, "running", attempts, checks, seconds, null);
            News(string.Create(CultureInfo.InvariantCulture, $"Step `{GitHubText.Inline(step.Id)}` failed; fix attempt {attempts - 1} of {config.Migration.FixAttempts}."));
            (patch, failure) = await GenerateAsync(step, working!, unpushed, failure, token, tried);
        }
    }

    /// <summary>A verified step: approved when asked, then kept, committed and (incremental) pushed.</summary>
    private async Task<bool> KeepAsync(MigrationStep step, Patch patch, int attempts, IReadOnlyList<string> checks, DateTimeOffset startedAt, CancellationToken token)
    {
        if (input.StepApproval)
        {
            waitingForApproval = true;
            decision = null;
            stage = "waiting for approval";
            await ProgressAsync($"Step `{GitHubText.Inline(step.Id)}` passed its checks ({string.Join("; ", checks)}). `/approve` keeps it, `/reject [reason]` reverts it.");
            await Workflow.WaitConditionAsync(() => decision is not null, token);
            waitingForApproval = false;
            stage = "migrating";
            if (decision is { Approved: false } rejected)
            {
                var why = $"rejected by @{rejected.By}{(rejected.Reason is { Length: > 0 } reason ? $": {reason}" : string.Empty)}";
                Set(step.Id, "rejected", attempts, checks, (Workflow.UtcNow - startedAt).TotalSeconds, why);
                SkipDependents(step, "rejected");
                News($"Step `{GitHubText.Inline(step.Id)}` was {why}; it is not kept.");
                return true;
            }
        }

        accepted.Add(patch);
        unpushed.Add(patch);
        acceptedSteps.Add(step.Id);
        done.Add(step.Id);
        if (input.Incremental)
        {
            // Commits are made the same way from the same patches, so the step's commit on the pushed head is the
            // one the change request makes again from the whole list: its push finds the branch already there.
            var push = new PushPatchesRequest(working!, [.. unpushed], branch!) { NewBranch = !branchPushed };

            // Not interrupted: a push that lands after a stop must be known, so the stop deletes the branch it made.
            pushedHead = await Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.PushPatchesAsync(push), ActivityPresets.Repo.Uninterrupted());
            branchPushed = true;
            working = working! with { Sha = pushedHead };
            unpushed.Clear();
            token.ThrowIfCancellationRequested();
        }

        Set(step.Id, "done", attempts, checks, (Workflow.UtcNow - startedAt).TotalSeconds, null);
        News($"Step `{GitHubText.Inline(step.Id)}` done.");
        return true;
    }

    /// <summary>A step that still fails: rolled back with its dependents (auto-rollback), or the run stops here.</summary>
    private async Task<bool> FailAsync(MigrationStep step, int attempts, IReadOnlyList<string> checks, double seconds, string failure)
    {
        var headline = Headline(failure);
        if (input.AutoRollback)
        {
            Set(step.Id, "rolled-back", attempts, checks, seconds, headline);
            SkipDependents(step, "rolled back");
            await ProgressAsync($"Step `{GitHubText.Inline(step.Id)}` still failed after {attempts} attempts and was rolled back; the steps that do not depend on it go on.");
            return true;
        }

        Set(step.Id, "failed", attempts, checks, seconds, headline);
        return false;
    }

    private void SkipDependents(MigrationStep step, string what)
    {
        foreach (var dependent in MigrationGraph.Dependents(plan!, step.Id).Where(d => !started.Contains(d.Id)))
        {
            started.Add(dependent.Id);
            Set(dependent.Id, "skipped", 0, [], 0, $"depends on step {step.Id}, which was {what}");
        }
    }

    /// <summary>Records a step's state for the status, the progress comment and the report.</summary>
    private void Set(string id, string state, int attempts, IReadOnlyList<string> checks, double seconds, string? why)
    {
        var index = reports.FindIndex(r => r.Id == id);
        if (index >= 0)
        {
            reports[index] = reports[index] with { State = state, Attempts = attempts, Checks = checks, Seconds = Math.Round(seconds, 1), Why = why };
        }
    }

    /// <summary>The first meaningful line of a failure, for the report.</summary>
    private static string Headline(string failure)
    {
        var line = failure.Split('\n').Select(l => l.Trim().TrimStart('#').Trim()).FirstOrDefault(l => l.Length > 0) ?? "it failed";
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}

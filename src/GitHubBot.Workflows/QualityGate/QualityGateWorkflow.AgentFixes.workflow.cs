using GitHubBot.Core.Agents;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.QualityGate;

/// <summary>
/// The fixes agents make when the tools' own fixers are not enough: a coder for the static-analysis findings left,
/// a tester for the changed lines no test runs. Each fix is checked by running the checks again on the head with the
/// fix on top; one that does not help, or makes anything else worse, is dropped. What is kept goes out as one commit
/// that names what it fixes.
/// </summary>
public sealed partial class QualityGateWorkflow
{
    /// <summary>The patch that separates gates whose fixes may include agents' from those with the fix commands only.</summary>
    public const string AgentFixesPatch = "gate-agent-fixes";

    /// <summary>What agents could fix in this gate's results, in words (empty: nothing for them).</summary>
    private static List<string> AgentWork(QualityGateConfig settings, Dictionary<string, CheckRunResult> results, double requiredCoverage)
    {
        var work = new List<string>();
        var findings = GateFixes.Findings(results.GetValueOrDefault("static_analysis"));
        if (findings.Count > 0)
        {
            work.Add($"static analysis: the {findings.Count} findings (after the tool's own fixer) fixed by a coder, each checked by running the analysis again");
        }

        var coverage = results.GetValueOrDefault("coverage");
        if (GateFixes.CoverageShort(coverage, requiredCoverage, settings.CoverageAppliesTo))
        {
            var spans = coverage!.ChangedLines?.Uncovered.Count ?? 0;
            work.Add(spans > 0
                ? $"coverage: tests written for the {spans} uncovered stretches of changed lines, kept only if coverage rises and every test passes"
                : "coverage: tests written for the changed code, kept only if coverage rises and every test passes");
        }

        return work;
    }

    private async Task<(List<string> Applied, List<string> Notes, string? FixedSha)> FixWithAgentsAsync(AgentFixContext context, List<CheckConfig> fixable, CancellationToken token)
    {
        stage = "fixing";
        var (input, settings, results) = (context.Input, context.Settings, context.Results);
        var notes = new List<string>();
        var patches = new List<Patch>();
        var toolApplied = new List<string>();
        fixing = true;
        if (fixable.Count > 0)
        {
            var toolRequest = new ApplyFixesRequest(context.Workspace, [.. fixable.Select(c => new FixCommand(c.Name, c.Fix!, c.Timeout))], Push: false, input.Branch) { ReturnEdits = true };
            var tools = await Workflow.ExecuteActivityAsync(
                (GateActivities gate) => gate.ApplyFixesAsync(toolRequest),
                ActivityPresets.Check(fixable.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Timeout)).WithCancellation(token));
            notes.AddRange(tools.Failed.Select(f => $"Fix failed: {f}"));
            if (tools.NotAttempted is { } why)
            {
                fixing = false;
                notes.Add(why);
                return ([], notes, null);
            }

            if (tools.EditsUnavailable)
            {
                // Links, submodules, protected or too many files: not built on, and not pushed as the App.
                notes.Add("The fix commands' change was left out: it touches links, submodules, files GitHubBot leaves to people, or is larger than a fix may be.");
            }
            else if (tools.Edits.Count > 0)
            {
                patches.Add(new Patch("tool fixes", tools.Edits, Workflow.UtcNow));
                toolApplied.AddRange(tools.Applied);
            }
        }

        var head = new RepoSnapshot(context.Target, input.CloneUrl!, input.HeadSha);
        var agents = new AgentSession(
            new AgentBudget { MaxTokens = context.Agents.MaxTokens, MaxCalls = context.Agents.MaxIterations }, Math.Clamp(context.Agents.CoderAttempts, 1, 10));
        var kept = new List<AgentFix>();
        var staticFix = fixable.FirstOrDefault(c => c.Name == "static_analysis")?.Fix;
        var findings = GateFixes.Findings(results.GetValueOrDefault("static_analysis"));
        var staticCheck = settings.Checks.FirstOrDefault(c => c.Name == "static_analysis");
        CheckRunResult? baseline = null;
        if (findings.Count > 0 && staticCheck is not null && patches.Count > 0)
        {
            // What the tools' own fixes leave is what the agent is asked about, and what it must improve on.
            stage = "checking the tools' fixes";
            baseline = await VerifyAsync(context, head, patches, [staticCheck], "tools", token) is { Count: > 0 } again ? again[0] : null;
            findings = baseline is null ? findings : GateFixes.Findings(baseline);
        }

        if (findings.Count > 0 && staticCheck is not null)
        {
            stage = "fixing static analysis";
            var rerun = settings.Checks.Where(c => c.Name is "static_analysis" or "unit_tests" or "linting").ToList();
            var fix = await TryFixAsync(
                context, agents, head, patches, rerun, "coder", GateFixes.StaticAnalysisTask(findings, staticFix), GateFixes.FilesOf(findings.Select(f => f.Path)), "Fix static analysis findings", testsOnly: false, token);
            var judged = fix.Results is null ? (false, fix.Why!)
                : GateFixes.Suppresses(fix.Patch!) is { } silenced ? (false, silenced)
                : GateFixes.JudgeStaticAnalysis(results, fix.Results, baseline);
            Keep(fix.Patch, judged, new AgentFix("static_analysis", $"static analysis ({judged.Item2})", [.. findings.Take(GateFixes.MaxItems).Select(GateFixes.Describe)]), "static analysis");
        }

        var coverage = results.GetValueOrDefault("coverage");
        if (GateFixes.CoverageShort(coverage, context.RequiredCoverage, settings.CoverageAppliesTo))
        {
            stage = "writing tests";
            var rerun = settings.Checks.Where(c => c.Name is "coverage" or "unit_tests").ToList();
            var spans = coverage!.ChangedLines?.Uncovered ?? [];
            var fix = await TryFixAsync(
                context, agents, head, patches, rerun, "tester", GateFixes.CoverageTask(coverage.ChangedLines, coverage.CoveragePercent, context.RequiredCoverage), GateFixes.FilesOf(spans.Select(s => s.Path)), "Add tests for uncovered changed lines", testsOnly: true, token);
            var judged = fix.Results is null ? (false, fix.Why!) : GateFixes.JudgeCoverage(results, fix.Results, settings.CoverageAppliesTo);
            Keep(fix.Patch, judged, new AgentFix("coverage", $"coverage: tests added ({judged.Item2})", [.. spans.Take(GateFixes.MaxItems).Select(GateFixes.Describe)]), "coverage");
        }

        return await PushFixesAsync(context, head, patches, toolApplied, kept, notes, token);

        void Keep(Patch? patch, (bool Accepted, string Why) judged, AgentFix fix, string what)
        {
            if (patch is not null && judged.Accepted)
            {
                patches.Add(patch);
                kept.Add(fix);
            }
            else
            {
                notes.Add($"The agent's {what} fix was dropped: {GitHubText.Inline(judged.Why)}.");
            }
        }
    }

    /// <summary>
    /// Asks an agent for a fix on top of the fixes kept so far and runs <paramref name="rerun"/> on the result. Returns
    /// the patch and the re-run's results, or why there is nothing to judge (the agent failed, or a tester changed
    /// production code twice).
    /// </summary>
    private static async Task<(Patch? Patch, IReadOnlyList<CheckRunResult>? Results, string? Why)> TryFixAsync(
        AgentFixContext context, AgentSession agents, RepoSnapshot head, List<Patch> patches, List<CheckConfig> rerun,
        string role, string task, IReadOnlyList<string> files, string message, bool testsOnly, CancellationToken token)
    {
        Patch patch;
        try
        {
            patch = await agents.CodeAsync(task, files, message, head, [.. patches], null, token, role);
            if (testsOnly && GateFixes.NonTestPaths(patch) is { Count: > 0 } production)
            {
                var feedback = $"Your answer changed files that are not tests ({string.Join(", ", production.Select(p => $"`{p}`"))}). Change test files only.";
                patch = await agents.CodeAsync(task, files, message, head, [.. patches], feedback, token, role);
                if (GateFixes.NonTestPaths(patch) is { Count: > 0 } again)
                {
                    return (null, null, $"the tester changed production code ({string.Join(", ", again)}), which it may not");
                }
            }
        }
        catch (Exception ex) when (!Failures.IsCancellation(ex) && ex is ApplicationFailureException or ActivityFailureException)
        {
            return (null, null, $"the {role} could not make it ({Failures.Reason(ex)})");
        }

        var after = await VerifyAsync(context, head, [.. patches, patch], rerun, role, token);
        return after is null ? (null, null, "its checks could not run again") : (patch, after, null);
    }

    /// <summary>Runs <paramref name="checks"/> on the head with <paramref name="patches"/> on top; null when that could not be done (said in the log).</summary>
    private static async Task<IReadOnlyList<CheckRunResult>?> VerifyAsync(
        AgentFixContext context, RepoSnapshot head, List<Patch> patches, List<CheckConfig> checks, string what, CancellationToken token)
    {
        var verify = new VerifyFixRequest($"{context.Workspace.Key}-fix-{what}", head, [.. patches], checks, context.Workspace.Key);
        try
        {
            return await Workflow.ExecuteActivityAsync(
                (GateFixActivities fixes) => fixes.VerifyFixAsync(verify),
                ActivityPresets.Check(checks.Aggregate(TimeSpan.Zero, (longest, c) => c.Timeout > longest ? c.Timeout : longest) + TimeSpan.FromMinutes(5)).WithCancellation(token));
        }
        catch (ActivityFailureException ex) when (!Failures.IsCancellation(ex))
        {
            Workflow.Logger.LogWarning(ex, "The checks could not run again on the fixes ({What})", what);
            return null;
        }
    }

    /// <summary>Pushes the kept fixes as one commit naming what it fixes; a branch that moved meanwhile keeps its head, with a note.</summary>
    private async Task<(List<string> Applied, List<string> Notes, string? FixedSha)> PushFixesAsync(
        AgentFixContext context, RepoSnapshot head, List<Patch> patches, List<string> toolApplied, List<AgentFix> kept, List<string> notes, CancellationToken token)
    {
        var input = context.Input;
        if (patches.Count == 0)
        {
            fixing = false;
            return ([], notes, null);
        }

        stage = "pushing fixes";
        var commit = new Patch(GateFixes.CommitMessage(toolApplied, kept, input.HeadSha), [.. patches.SelectMany(p => p.Edits)], Workflow.UtcNow);
        var push = new PushPatchesRequest(head, [commit], input.Branch);
        string? pushed = null;
        try
        {
            pushed = await Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.PushPatchesAsync(push), ActivityPresets.Repo.Uninterrupted());
            fixesGateId = WorkflowIds.QualityGate(input.Owner, input.Repo, input.PullRequestNumber, pushed);
            notes.Add($"Fixes pushed as `{Shas.Abbreviate(pushed)}`; the gate of that commit checks them again.");
        }
        catch (ActivityFailureException ex) when (!Failures.IsCancellation(ex))
        {
            notes.Add($"The fixes could not be pushed: {GitHubText.Inline(Failures.Reason(ex))}");
        }

        fixing = false;
        if (supersededWhileFixing is { } newer && newer.SupersededBy != fixesGateId)
        {
            await CancelAsync(newer);
            token.ThrowIfCancellationRequested();
        }

        return pushed is null ? ([], notes, null) : ([.. toolApplied, .. kept.Select(k => k.Summary)], notes, pushed);
    }

    /// <summary>What the agent fixes work from: the gate's input and results, its thresholds, and the repository's agent budget.</summary>
    private sealed record AgentFixContext(
        QualityGateInput Input,
        RepositoryTarget Target,
        WorkspaceRef Workspace,
        QualityGateConfig Settings,
        Dictionary<string, CheckRunResult> Results,
        double RequiredCoverage,
        AgentsSection Agents);
}

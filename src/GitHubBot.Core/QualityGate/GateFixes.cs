using System.Globalization;
using System.Text;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.QualityGate;

/// <summary>One fix an agent made and the gate kept: what it addresses, for the commit message and the report.</summary>
/// <param name="Check">The check it fixes (coverage, static_analysis).</param>
/// <param name="Summary">One line for the report, e.g. "static analysis: CA1822 at src/A.cs:12".</param>
/// <param name="Details">Lines for the commit message (each finding or span it addresses).</param>
public sealed record AgentFix(string Check, string Summary, IReadOnlyList<string> Details);

/// <summary>
/// The gate's agent fixes, as rules and texts: when a fix is wanted, what the agent is asked, whether the re-run
/// shows it helped and hurt nothing, and what the fixes commit says.
/// </summary>
public static class GateFixes
{
    /// <summary>The most findings or spans an agent is given at once.</summary>
    public const int MaxItems = 30;

    /// <summary>The lint configuration every coder is refused (<see cref="ConfigEdits"/>), and the manifests that also carry the analyzers' settings.</summary>
    private static readonly string[] AnalyzerConfiguration = [.. ConfigEdits.GateLintConfiguration, "setup.cfg", "tox.ini", "pyproject.toml", "package.json"];

    private static readonly string[] SuppressionMarkers =
        ["eslint-disable", "#pragma warning disable", "SuppressMessage", "# noqa", "pylint: disable", "NoWarn", "@ts-ignore", "@ts-expect-error", "type: ignore", "nosec"];

    /// <summary>The static-analysis findings an agent could address: warnings and errors with a place in the code.</summary>
    public static IReadOnlyList<Annotation> Findings(CheckRunResult? result) =>
        result is null || result.State is CheckState.Skipped or CheckState.Neutral or CheckState.TimedOut or CheckState.Cancelled
            ? []
            : [.. result.Annotations.Where(a => a.Level is AnnotationLevel.Failure or AnnotationLevel.Warning)];

    /// <summary>Whether the coverage check fell short of the requirement (on the figures required_coverage applies to).</summary>
    public static bool CoverageShort(CheckRunResult? coverage, double required, string appliesTo) =>
        coverage is { State: CheckState.Passed or CheckState.Failed }
        && ((appliesTo != CoverageTargets.Changed && coverage.CoveragePercent is { } overall && overall < required)
            || (appliesTo != CoverageTargets.Overall && coverage.ChangedLines?.Percent is { } changed && changed < required));

    /// <summary>The coder's task for static-analysis findings the tool's own fixer left.</summary>
    public static string StaticAnalysisTask(IReadOnlyList<Annotation> findings, string? toolFixer)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var text = new StringBuilder();
        text.Append("# Fix the static analysis findings of this pull request\n\n");
        text.Append("The quality gate's static analysis reports these findings. Fix each one at its place without changing what the code does. ");
        text.Append("Do not silence the rules: no suppression attributes, pragmas, disable comments or configuration changes.\n");
        if (toolFixer is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"The tool's own fixer (`{GitHubText.Inline(toolFixer)}`) has already run; the files you are shown include its changes.\n");
        }

        text.Append("\n## Findings\n\n");
        foreach (var finding in findings.Take(MaxItems))
        {
            text.Append(CultureInfo.InvariantCulture, $"- `{finding.Path}:{finding.StartLine}` {GitHubText.Inline(finding.Title ?? "finding")}: {GitHubText.Inline(finding.Message)}\n");
        }

        return text.ToString();
    }

    /// <summary>The tester's task: the changed lines no test runs.</summary>
    public static string CoverageTask(ChangedCoverage? changed, double? overall, double required)
    {
        var text = new StringBuilder();
        text.Append("# Write tests for the uncovered lines of this pull request\n\n");
        text.Append(CultureInfo.InvariantCulture, $"The quality gate requires {required:0.#}% line coverage. ");
        if (overall is { } percent)
        {
            text.Append(CultureInfo.InvariantCulture, $"Overall coverage is {percent:0.0}%. ");
        }

        if (changed is { Total: > 0 })
        {
            text.Append(CultureInfo.InvariantCulture, $"Of the lines this pull request changed, {changed.Covered} of {changed.Total} are covered ({changed.Percent:0.0}%).\n\n## Lines no test runs\n\n");
            foreach (var span in changed.Uncovered.Take(MaxItems))
            {
                text.Append(CultureInfo.InvariantCulture, $"- `{span.Path}` {Lines(span)}\n");
            }
        }
        else
        {
            text.Append("\n\nAdd tests for the code this pull request changed.\n");
        }

        text.Append("\nChange test files only; production code must not change.\n");
        return text.ToString();
    }

    /// <summary>The files a fixer is shown: the ones its findings or spans are in, most named first.</summary>
    public static IReadOnlyList<string> FilesOf(IEnumerable<string> paths) =>
        [.. paths.GroupBy(p => p, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).Take(10)];

    /// <summary>The paths of a tester's patch that are not test files (empty: it changes tests only).</summary>
    public static IReadOnlyList<string> NonTestPaths(Patch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return [.. patch.Edits.Select(e => e.Path).Where(p => !TestFiles.IsTest(p)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Whether re-running the checks after a static-analysis fix shows fewer findings and nothing worse; with the
    /// reason when it does not.
    /// </summary>
    /// <param name="before">The gate's results on the PR's head.</param>
    /// <param name="after">The checks run again with the fix on top.</param>
    /// <param name="baseline">Static analysis after the tool's own fixer alone, when it changed anything: the agent must do better than that.</param>
    public static (bool Accepted, string Why) JudgeStaticAnalysis(IReadOnlyDictionary<string, CheckRunResult> before, IReadOnlyList<CheckRunResult> after, CheckRunResult? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var was = Findings(baseline ?? before.GetValueOrDefault("static_analysis")).Count;
        var now = after.FirstOrDefault(r => r.Name == "static_analysis");
        if (now is null || now.State is CheckState.TimedOut or CheckState.Cancelled or CheckState.Neutral)
        {
            return (false, "static analysis could not run again on the fixed code");
        }

        var left = Findings(now).Count;
        if (left >= was)
        {
            return (false, string.Create(CultureInfo.InvariantCulture, $"static analysis still reports {left} findings (it reported {was})"));
        }

        return Worse(before, after, "static_analysis") is { } worse ? (false, worse)
            : (true, string.Create(CultureInfo.InvariantCulture, $"static analysis findings {was} → {left}"));
    }

    /// <summary>
    /// Whether re-running after new tests shows every test passing and coverage risen on what the requirement applies
    /// to (the changed lines when they were measured, else overall), with nothing worse; with the reason.
    /// </summary>
    public static (bool Accepted, string Why) JudgeCoverage(IReadOnlyDictionary<string, CheckRunResult> before, IReadOnlyList<CheckRunResult> after, string appliesTo = CoverageTargets.Both)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var was = before.GetValueOrDefault("coverage");
        var now = after.FirstOrDefault(r => r.Name == "coverage");
        var tests = after.FirstOrDefault(r => r.Name == "unit_tests");
        if (tests is not null && tests.State != CheckState.Passed)
        {
            return (false, "the tests do not all pass with the new tests");
        }

        if (now is null || now.State is not (CheckState.Passed or CheckState.Failed) || (now.CoveragePercent is null && now.ChangedLines is null))
        {
            return (false, "coverage could not be measured with the new tests (a test failed or the run broke)");
        }

        var changedFrom = was?.ChangedLines?.Percent;
        var changedTo = now.ChangedLines?.Percent;
        var overallFrom = was?.CoveragePercent;
        var overallTo = now.CoveragePercent;
        var changedRose = changedTo is { } c1 && (changedFrom is not { } c0 || c1 > c0);
        var overallRose = overallTo is { } o1 && overallFrom is { } o0 && o1 > o0;
        var fell = (changedTo < changedFrom) || (overallTo < overallFrom);

        // Test files count in some tools' overall figure, so new tests raise it by themselves: the changed lines decide
        // whenever they were measured and the requirement looks at them.
        var rose = appliesTo == CoverageTargets.Overall || changedTo is null ? overallRose : changedRose;
        if (!rose || fell)
        {
            return (false, fell ? "coverage fell" : "coverage did not rise");
        }

        if (Worse(before, after, "coverage") is { } worse)
        {
            return (false, worse);
        }

        var figures = new List<string>();
        if (changedFrom is { } from && changedTo is { } to)
        {
            figures.Add(string.Create(CultureInfo.InvariantCulture, $"changed lines {from:0.0}% → {to:0.0}%"));
        }

        if (overallFrom is { } overallFromValue && overallTo is { } overallToValue)
        {
            figures.Add(string.Create(CultureInfo.InvariantCulture, $"overall {overallFromValue:0.0}% → {overallToValue:0.0}%"));
        }

        return (true, string.Join(", ", figures));
    }

    /// <summary>
    /// Why a static-analysis fix silences findings instead of fixing them (a suppression comment, pragma or attribute, or
    /// a change to the analyzers' configuration); null when it does not.
    /// </summary>
    public static string? Suppresses(Patch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        foreach (var edit in patch.Edits)
        {
            var name = Path.GetFileName(edit.Path);
            if (AnalyzerConfiguration.Any(c => name.Equals(c, StringComparison.OrdinalIgnoreCase)) || ConfigEdits.GateLintPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))
                || name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".props", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".ruleset", StringComparison.OrdinalIgnoreCase))
            {
                return $"it changes the analyzers' configuration ({GitHubText.Inline(edit.Path)})";
            }

            var text = (edit.Replace ?? string.Empty) + "\n" + (edit.Content ?? string.Empty);
            if (SuppressionMarkers.FirstOrDefault(m => text.Contains(m, StringComparison.OrdinalIgnoreCase)) is { } marker)
            {
                return $"it silences the analysis ({marker} in {GitHubText.Inline(edit.Path)})";
            }
        }

        return null;
    }

    /// <summary>The fixes commit's message: which checks, then each finding or span it addresses.</summary>
    public static string CommitMessage(IReadOnlyList<string> toolFixes, IReadOnlyList<AgentFix> agentFixes, string headSha)
    {
        ArgumentNullException.ThrowIfNull(toolFixes);
        ArgumentNullException.ThrowIfNull(agentFixes);
        var names = toolFixes.Concat(agentFixes.Select(f => f.Check)).Distinct(StringComparer.Ordinal).Select(n => n.Replace('_', ' '));
        var text = new StringBuilder($"GitHubBot: apply fixes ({string.Join(", ", names)})\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Fixes made by the quality gate of {Shas.Abbreviate(headSha)}.\n");
        foreach (var tool in toolFixes)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {tool.Replace('_', ' ')}: the check's own fix command");
        }

        foreach (var fix in agentFixes)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {fix.Summary}");
            foreach (var detail in fix.Details.Take(MaxItems))
            {
                text.Append(CultureInfo.InvariantCulture, $"\n  - {detail}");
            }
        }

        return text.Append('\n').ToString();
    }

    /// <summary>What a finding is in a commit message: rule and place.</summary>
    public static string Describe(Annotation finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return $"{GitHubText.Inline(finding.Title ?? "finding")} at {GitHubText.Inline(finding.Path)}:{finding.StartLine}";
    }

    /// <summary>What a span is in a commit message, e.g. "src/a.js lines 3–5".</summary>
    public static string Describe(LineSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        return $"{GitHubText.Inline(span.Path)} {Lines(span)}";
    }

    private static string Lines(LineSpan span) =>
        span.Start == span.End
            ? string.Create(CultureInfo.InvariantCulture, $"line {span.Start}")
            : string.Create(CultureInfo.InvariantCulture, $"lines {span.Start}–{span.End}");

    /// <summary>The first re-run check (other than the one being fixed) that did worse than before, said in words.</summary>
    private static string? Worse(IReadOnlyDictionary<string, CheckRunResult> before, IReadOnlyList<CheckRunResult> after, string fixing)
    {
        foreach (var now in after.Where(r => r.Name != fixing))
        {
            if (!before.TryGetValue(now.Name, out var was))
            {
                continue;
            }

            if (Rank(now.State) < Rank(was.State))
            {
                return $"{now.Name.Replace('_', ' ')} got worse ({GateTexts.StateName(was.State)} → {GateTexts.StateName(now.State)})";
            }

            if (now.State == was.State && now.Score < was.Score - 0.05)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{now.Name.Replace('_', ' ')} scored lower ({was.Score:0.#} → {now.Score:0.#})");
            }
        }

        return null;
    }

    private static int Rank(CheckState state) => state switch
    {
        CheckState.Passed => 3,
        CheckState.Neutral or CheckState.Skipped => 2,
        CheckState.Failed => 1,
        _ => 0,
    };
}

using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Tests;

public sealed class GateFixesTests
{
    private static readonly Annotation Unused = new("src/App/Calc.cs", 12, 12, AnnotationLevel.Warning, "The variable 'x' is declared but never used", "CS0168");

    [Fact]
    public void Neutral_and_skipped_changed_line_coverage_and_the_eight_kinds_show_in_the_comment_with_their_reasons()
    {
        var body = GateComment.Render(
            "abc1234",
            new Verdict(80, false, ["Coverage of the changed lines is 25.0%, below the required 80%."]),
            [
                new("dependency_check", CheckState.Neutral, 0, false) { Note = "The registry could not be reached (ECONNREFUSED) | x" },
                new("performance", CheckState.Skipped, 0, false) { Note = "no benchmark project (one referencing BenchmarkDotNet)" },
            ],
            [],
            null,
            new GateCommentExtras("84.0% of lines overall; 1 of 4 changed lines covered (25.0%)", ["coverage: tests written for 1 stretch"]));

        Assert.Contains("| dependency check | ⚪ neutral — The registry could not be reached (ECONNREFUSED) \\| x | — | no |", body, StringComparison.Ordinal);
        Assert.Contains("| performance | ➖ skipped — no benchmark project (one referencing BenchmarkDotNet) | — | no |", body, StringComparison.Ordinal);
        Assert.Contains("**Coverage:** 84.0% of lines overall; 1 of 4 changed lines covered (25.0%)", body, StringComparison.Ordinal);
        Assert.Contains("**Fixes available with an LLM configured**", body, StringComparison.Ordinal);
        Assert.Contains("- coverage: tests written for 1 stretch", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Changed_line_coverage_below_the_requirement_blocks_unless_it_applies_to_overall_only()
    {
        CheckOutcomeInput[] checks =
        [
            new("unit_tests", CheckState.Passed, 100, 3, true),
            new("coverage", CheckState.Passed, 90, 1, false, CoveragePercent: 90, MeasuresCoverage: true) { ChangedLinesPercent = 25 },
            new("dependency_check", CheckState.Neutral, 0, 5, false),
        ];

        var both = VerdictRules.Decide(checks, 80, 85);
        var overall = VerdictRules.Decide(checks, 80, 85, CoverageTargets.Overall);
        var changed = VerdictRules.Decide(checks, 80, 85, CoverageTargets.Changed);

        Assert.Equal(["Coverage of the changed lines is 25.0%, below the required 80%."], both.BlockingIssues);
        Assert.True(overall.CanMerge);
        Assert.Equal(97.5, overall.Score);
        Assert.False(changed.CanMerge);
    }

    [Fact]
    public void A_static_analysis_fix_is_kept_only_when_findings_drop_and_nothing_else_gets_worse()
    {
        var before = new Dictionary<string, CheckRunResult>
        {
            ["static_analysis"] = Result("static_analysis", CheckState.Passed, 96, Unused, Unused with { StartLine = 20, EndLine = 20, Title = "IDE0005" }),
            ["unit_tests"] = Result("unit_tests", CheckState.Passed, 100),
        };

        var better = GateFixes.JudgeStaticAnalysis(before, [Result("static_analysis", CheckState.Passed, 98, Unused), Result("unit_tests", CheckState.Passed, 100)]);
        var testsBroke = GateFixes.JudgeStaticAnalysis(before, [Result("static_analysis", CheckState.Passed, 100), Result("unit_tests", CheckState.Failed, 50)]);
        var noBetter = GateFixes.JudgeStaticAnalysis(before, [before["static_analysis"], Result("unit_tests", CheckState.Passed, 100)]);

        Assert.Equal((true, "static analysis findings 2 → 1"), better);
        Assert.Equal((false, "unit tests got worse (passed → failed)"), testsBroke);
        Assert.Equal((false, "static analysis still reports 2 findings (it reported 2)"), noBetter);
    }

    [Fact]
    public void New_tests_are_kept_only_when_coverage_rises_and_every_test_passes()
    {
        var low = Result("coverage", CheckState.Failed, 60) with { CoveragePercent = 60, ChangedLines = new ChangedCoverage(1, 4, [new LineSpan("src/calc.js", 3, 5)]) };
        var before = new Dictionary<string, CheckRunResult> { ["coverage"] = low, ["unit_tests"] = Result("unit_tests", CheckState.Passed, 100) };
        var high = Result("coverage", CheckState.Passed, 90) with { CoveragePercent = 90, ChangedLines = new ChangedCoverage(4, 4, []) };

        Assert.Equal((true, "changed lines 25.0% → 100.0%, overall 60.0% → 90.0%"), GateFixes.JudgeCoverage(before, [high, Result("unit_tests", CheckState.Passed, 100)]));
        Assert.Equal((false, "the tests do not all pass with the new tests"), GateFixes.JudgeCoverage(before, [high, Result("unit_tests", CheckState.Failed, 90)]));
        Assert.Equal((false, "coverage did not rise"), GateFixes.JudgeCoverage(before, [Result("coverage", CheckState.Passed, 60) with { CoveragePercent = 60, ChangedLines = low.ChangedLines }, Result("unit_tests", CheckState.Passed, 100)]));
        Assert.True(GateFixes.CoverageShort(low with { State = CheckState.Passed }, 80, CoverageTargets.Changed));
        Assert.False(GateFixes.CoverageShort(low with { State = CheckState.Passed, CoveragePercent = 95, ChangedLines = null }, 80, CoverageTargets.Both));
    }

    [Theory]
    [InlineData("src/a.js", "  // eslint-disable-next-line no-unused-vars\n  const x = 1;", "eslint-disable")]
    [InlineData("src/A.cs", "#pragma warning disable CS0219", "#pragma warning disable")]
    [InlineData("calc/ops.py", "x = 1  # noqa: F841", "# noqa")]
    [InlineData(".editorconfig", "dotnet_diagnostic.CS0219.severity = none", "configuration")]
    [InlineData("src/App/App.csproj", "<NoWarn>CS0219</NoWarn>", "configuration")]
    public void A_static_analysis_fix_that_silences_the_analysis_is_refused(string path, string text, string said)
    {
        var patch = new Patch("fix", [new FileEdit(path, Content: text)], DateTimeOffset.UnixEpoch);

        Assert.Contains(said, GateFixes.Suppresses(patch), StringComparison.Ordinal);
        Assert.Null(GateFixes.Suppresses(new Patch("fix", [new FileEdit("src/a.js", "const x = 1;", "use(1);")], DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public void The_changed_lines_decide_whether_new_tests_raised_coverage_when_they_were_measured()
    {
        var before = new Dictionary<string, CheckRunResult>
        {
            ["coverage"] = Result("coverage", CheckState.Failed, 60) with { CoveragePercent = 60, ChangedLines = new ChangedCoverage(1, 4, []) },
        };

        // Test files in the overall figure raise it by themselves; the changed lines did not move.
        var onlyOverall = GateFixes.JudgeCoverage(before, [Result("coverage", CheckState.Passed, 70) with { CoveragePercent = 70, ChangedLines = new ChangedCoverage(1, 4, []) }]);

        Assert.Equal((false, "coverage did not rise"), onlyOverall);
    }

    [Fact]
    public void A_tester_may_change_tests_only()
    {
        var patch = new Patch("tests", [new FileEdit("tests/calc.test.js", Content: "x"), new FileEdit("src/calc.js", "a", "b")], DateTimeOffset.UnixEpoch);

        Assert.Equal(["src/calc.js"], GateFixes.NonTestPaths(patch));
    }

    [Fact]
    public void The_fixes_commit_names_every_finding_and_span_it_addresses()
    {
        var message = GateFixes.CommitMessage(
            ["linting"],
            [
                new AgentFix("static_analysis", "static analysis (static analysis findings 2 → 0)", [GateFixes.Describe(Unused)]),
                new AgentFix("coverage", "coverage: tests added (changed lines 25.0% → 100.0%)", [GateFixes.Describe(new LineSpan("src/calc.js", 3, 5))]),
            ],
            "0123456789abcdef0123456789abcdef01234567");

        Assert.StartsWith("GitHubBot: apply fixes (linting, static analysis, coverage)\n\nFixes made by the quality gate of 0123456.", message, StringComparison.Ordinal);
        Assert.Contains("  - CS0168 at src/App/Calc.cs:12", message, StringComparison.Ordinal);
        Assert.Contains("  - src/calc.js lines 3–5", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Agent_tasks_carry_each_findings_rule_and_place_and_keep_hostile_text_inert()
    {
        var hostile = Unused with { Message = "@admin see #1 <!-- ghbot:quality-gate -->" };

        var task = GateFixes.StaticAnalysisTask([hostile], "dotnet format analyzers 'App.sln'");
        var tests = GateFixes.CoverageTask(new ChangedCoverage(1, 4, [new LineSpan("src/calc.js", 3, 5)]), 61.5, 80);

        Assert.Contains("- `src/App/Calc.cs:12` CS0168:", task, StringComparison.Ordinal);
        Assert.DoesNotContain("@admin", task, StringComparison.Ordinal);
        Assert.DoesNotContain("<!--", task, StringComparison.Ordinal);
        Assert.Contains("`src/calc.js` lines 3–5", tests, StringComparison.Ordinal);
        Assert.Contains("Change test files only", tests, StringComparison.Ordinal);
    }

    private static CheckRunResult Result(string name, CheckState state, double score, params Annotation[] annotations) =>
        new(name, state, score, "summary", annotations, null, 1);
}

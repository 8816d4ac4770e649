using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class ChangeTextsTests
{
    [Fact]
    public void Runs_started_within_the_same_minute_get_branches_of_their_own()
    {
        // The dev server's run IDs are time-ordered: runs a few seconds apart share their first characters.
        var first = ChangeBranches.For("ghbot/issue-5", "019adf6e-7a10-7c3e-9d1b-5b0e2f4a1c01");
        var second = ChangeBranches.For("ghbot/issue-5", "019adf6e-7b42-71aa-8c77-0d9e3b6f2e02");

        Assert.NotEqual(first, second);
        Assert.Matches("^ghbot/issue-5-[0-9a-f]{8}$", first);
        Assert.Equal(first, ChangeBranches.For("ghbot/issue-5", "019adf6e-7a10-7c3e-9d1b-5b0e2f4a1c01"));
    }

    [Fact]
    public void The_fixer_is_given_each_findings_rule_and_place_and_the_changed_lines_no_test_runs_but_not_neutral_checks()
    {
        var gate = new QualityGateResult
        {
            OverallScore = 60,
            CanMerge = false,
            Conclusion = "failure",
            Checks =
            [
                new CheckOutcome("static_analysis", false, 80, false, "1 errors", 1)
                {
                    Findings = [new Annotation("src/a.cs", 4, 4, AnnotationLevel.Failure, "Use @owner's style #12", "CA1822")],
                },
                new CheckOutcome("coverage", false, 40, false, "Line coverage 40%", 0)
                {
                    ChangedLines = new ChangedCoverage(1, 5, [new LineSpan("src/a.cs", 10, 13)]),
                },
                new CheckOutcome("dependency_check", false, 0, false, "The registry could not be reached", 0) { Neutral = true },
            ],
        };

        var task = ChangeTexts.FixTask(new FixPolicy { Goal = "#3" }, gate);

        Assert.Contains("- `src/a.cs:4` CA1822: Use @\u200bowner's style #\u200b12", task, StringComparison.Ordinal);
        Assert.Contains("- src/a.cs lines 10–13", task, StringComparison.Ordinal);
        Assert.DoesNotContain("registry", task, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fixer_reads_the_blocking_issues_the_end_of_each_failed_check_and_the_context()
    {
        var gate = new QualityGateResult
        {
            OverallScore = 40,
            CanMerge = false,
            Conclusion = "failure",
            BlockingIssues = ["unit_tests (required) failed."],
            Checks = [new CheckOutcome("unit_tests", false, 0, true, new string('x', 5000) + "FAIL: mul", 0), new CheckOutcome("linting", true, 100, false, "fine", 0)],
        };
        var fix = new FixPolicy { Goal = "#5: Multiply", Reference = "#5", Context = "# Design\n\nAdd mul." };

        var task = ChangeTexts.FixTask(fix, gate);

        Assert.StartsWith("# Make the quality gate pass for #5: Multiply\n\n", task, StringComparison.Ordinal);
        Assert.Contains("- unit_tests (required) failed.\n\n**unit tests** failed:\n\n…", task, StringComparison.Ordinal);
        Assert.Contains("FAIL: mul", task, StringComparison.Ordinal);
        Assert.DoesNotContain("fine", task, StringComparison.Ordinal);
        Assert.EndsWith("# Design\n\nAdd mul.", task, StringComparison.Ordinal);
        Assert.True(task.Length < 4500);
        Assert.Equal("Fix the quality gate's failures (round 2) for #5", ChangeTexts.FixCommit(2, "#5"));
        Assert.StartsWith("GitHubBot could not make the quality gate pass (40/100) in 2 fix rounds, so this stays a draft.\n\n**Quality gate failures**", ChangeTexts.StaysDraft(gate, 2), StringComparison.Ordinal);
    }

    [Fact]
    public void What_was_undone_reads_as_one_sentence()
    {
        Assert.Equal(string.Empty, ChangeTexts.Undone([]));
        Assert.Equal("GitHubBot closed #9, deleted the branch `b`.", ChangeTexts.Undone(["closed #9", "deleted the branch `b`"]));
        Assert.Equal("72.5/100", ChangeTexts.Score(72.5));
    }

    [Fact]
    public void A_progress_comment_shows_each_step_with_its_state_then_the_notes_and_the_footer()
    {
        var steps = new List<ProgressStep> { new("Design", "done", "posted"), new("Branch", "pending") };
        ProgressComment.Set(steps, "Branch", "undone", "deleted");

        var text = ProgressComment.Render("<!-- m -->", "GitHubBot: test", "Working.", steps, ["A note."], "2 calls");

        Assert.Equal("<!-- m -->\n### GitHubBot: test\n\nWorking.\n\n- ✅ Design — posted\n- ↩️ Branch — deleted\n\nA note.\n\n<sub>2 calls</sub>\n", text);
        Assert.Throws<ArgumentException>(() => ProgressComment.Set(steps, "Merge", "done"));
    }

    [Fact]
    public void A_result_recorded_before_the_configuration_was_typed_reads_the_same_values()
    {
        var legacy = new RepoConfigResult { MergedJson = """{"trigger_label":"go","commands":{"status":"read"},"quality_gate":{"trust_forks":true,"checks":{"linting":{"run":"make lint","timeout":"90s"}}}}""" };

        var config = legacy.Resolve();

        Assert.Equal(("go", "read", true), (config.TriggerLabel, config.Commands["status"], config.QualityGate.TrustForks));
        Assert.Equal(new CheckConfig("linting", "make lint", null, TimeSpan.FromSeconds(90), 1, false, ReportFormat.ExitCode, null, false), Assert.Single(config.QualityGate.Checks));
        Assert.Equal(new RepoConfig().Agents, new RepoConfigResult().Resolve().Agents);
    }

    [Fact]
    public void Incident_services_are_typed_and_one_without_a_repository_is_refused()
    {
        var config = RepoConfig.FromJson("""{"incidents":{"agents":5,"confidence_threshold":0.8,"services":{"api":{"repo":"o/api","metrics_query":"up"}}}}""");

        Assert.Equal((5, 0.8), (config.Incidents.Agents, config.Incidents.ConfidenceThreshold));
        Assert.Equal(new IncidentService("o/api", "up", null), config.Incidents.Services["api"]);
        Assert.Throws<FormatException>(() => RepoConfig.FromJson("""{"incidents":{"services":{"api":{}}}}"""));
    }
}

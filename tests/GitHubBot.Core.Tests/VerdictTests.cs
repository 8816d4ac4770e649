using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class VerdictTests
{
    [Fact]
    public void All_required_checks_passing_with_enough_coverage_and_score_can_merge()
    {
        var verdict = VerdictRules.Decide(
        [
            new("unit tests", CheckState.Passed, 100, Weight: 3, Required: true),
            new("linting", CheckState.Passed, 90, Weight: 1, Required: false),
            new("coverage", CheckState.Passed, 85, Weight: 1, Required: false, CoveragePercent: 85),
            new("performance", CheckState.Skipped, 0, Weight: 5, Required: false),
        ], requiredCoverage: 80, requiredScore: 85);

        Assert.True(verdict.CanMerge);
        Assert.Equal(95, verdict.Score);
        Assert.Empty(verdict.BlockingIssues);
    }

    [Fact]
    public void Each_reason_not_to_merge_is_listed_in_plain_words()
    {
        var verdict = VerdictRules.Decide(
        [
            new("unit tests", CheckState.Failed, 50, Weight: 2, Required: true),
            new("security scan", CheckState.TimedOut, 100, Weight: 1, Required: true),
            new("coverage", CheckState.Passed, 61.5, Weight: 1, Required: false, CoveragePercent: 61.5),
        ], requiredCoverage: 80, requiredScore: 85);

        Assert.False(verdict.CanMerge);
        Assert.Equal(40.4, verdict.Score);
        Assert.Equal(
        [
            "unit tests (required) failed.",
            "security scan (required) ran out of time.",
            "Coverage is 61.5%, below the required 80%.",
            "The score is 40.4, below the required 85.",
        ], verdict.BlockingIssues);
    }

    [Fact]
    public void A_failing_optional_check_only_lowers_the_score()
    {
        var verdict = VerdictRules.Decide(
        [
            new("unit tests", CheckState.Passed, 100, Weight: 9, Required: true),
            new("static analysis", CheckState.Failed, 60, Weight: 1, Required: false),
        ], requiredCoverage: 80, requiredScore: 85);

        Assert.True(verdict.CanMerge);
        Assert.Equal(96, verdict.Score);
    }

    [Fact]
    public void Nothing_ran_is_not_a_pass()
    {
        var verdict = VerdictRules.Decide([new("unit tests", CheckState.Skipped, 0, 1, true)], 80, 85);

        Assert.False(verdict.CanMerge);
        Assert.Contains("No checks ran", Assert.Single(verdict.BlockingIssues), StringComparison.Ordinal);
    }

    [Fact]
    public void A_coverage_check_that_measured_nothing_blocks_instead_of_waiving_coverage()
    {
        var verdict = VerdictRules.Decide(
        [
            new("unit tests", CheckState.Passed, 100, 1, true),
            new("coverage", CheckState.Failed, 0, 0, false, CoveragePercent: null, MeasuresCoverage: true),
        ], requiredCoverage: 80, requiredScore: 50);

        Assert.False(verdict.CanMerge);
        Assert.Contains("Coverage could not be measured (coverage did not report it).", verdict.BlockingIssues);
    }

    [Fact]
    public void A_score_that_is_not_a_number_counts_as_zero()
    {
        var verdict = VerdictRules.Decide([new("unit tests", CheckState.Passed, double.NaN, 1, false)], requiredCoverage: 0, requiredScore: 85);

        Assert.Equal(0, verdict.Score);
        Assert.False(verdict.CanMerge);
    }
}

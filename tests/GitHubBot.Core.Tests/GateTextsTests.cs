using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class GateTextsTests
{
    [Theory]
    [InlineData(CheckState.Passed, true, "success")]
    [InlineData(CheckState.Failed, true, "failure")]
    [InlineData(CheckState.Failed, false, "neutral")]
    [InlineData(CheckState.TimedOut, true, "timed_out")]
    [InlineData(CheckState.TimedOut, false, "neutral")]
    [InlineData(CheckState.Cancelled, false, "cancelled")]
    public void A_check_that_need_not_pass_is_neutral_when_it_fails(CheckState state, bool required, string conclusion) =>
        Assert.Equal(conclusion, GateTexts.Conclusion(state, required));

    [Fact]
    public void Titles_say_the_state_and_the_score()
    {
        Assert.Equal("timed out — 0/100", GateTexts.CheckTitle(CheckState.TimedOut, 0));
        Assert.Equal("92.5/100 — ready to merge", GateTexts.SummaryTitle(new Verdict(92.5, true, []), 3));
        Assert.Equal("40/100 — blocked", GateTexts.SummaryTitle(new Verdict(40, false, ["x"]), 3));
        Assert.Equal("0/100 — no checks ran", GateTexts.SummaryTitle(new Verdict(0, false, ["x"]), 0));
        Assert.Equal("GitHubBot is checking `0123456` of #7 (pull_request.opened).", GateTexts.Started("0123456789abcdef", 7, "pull_request.opened"));
    }

    [Theory]
    [InlineData(null, true, false, null)]
    [InlineData("MEMBER", true, false, null)]
    [InlineData("collaborator", true, false, null)]
    [InlineData("FIRST_TIME_CONTRIBUTOR", false, false, "first-time contributor")]
    [InlineData("NONE", false, true, "first-time contributor")]
    [InlineData("CONTRIBUTOR", true, false, "comes from a fork")]
    [InlineData("CONTRIBUTOR", true, true, null)]
    [InlineData("CONTRIBUTOR", false, false, null)]
    public void Untrusted_code_waits_unless_its_author_is_trusted_or_forks_are(string? association, bool fork, bool trustForks, string? why)
    {
        var reason = GateTexts.Untrusted(association, fork, trustForks);

        if (why is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(why, reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_cancelled_gate_says_who_replaced_it_with_a_link_when_there_is_one()
    {
        Assert.Equal("The gate was cancelled before it finished.", GateTexts.CancelledNote(null));
        Assert.Equal("Cancelled by @a.", GateTexts.CancelledNote(new CancelGate("Cancelled by @a.")));
        Assert.EndsWith("Newer gate: [gate/o/r/1/b](http://ui/gate)", GateTexts.CancelledNote(new CancelGate("Newer commit.", "gate/o/r/1/b", "http://ui/gate")), StringComparison.Ordinal);
        Assert.EndsWith("Newer gate: `gate/o/r/1/b`", GateTexts.CancelledNote(new CancelGate("Newer commit.", "gate/o/r/1/b")), StringComparison.Ordinal);
    }

    [Fact]
    public void What_became_of_the_fixes_is_said_once_with_a_fence_the_diff_cannot_close()
    {
        var diff = "--- a/x\n+++ b/x\n+```\n";
        Assert.Equal("Not again.", GateTexts.FixNote(new ApplyFixesResult([], [], null, null, null) { NotAttempted = "Not again." }, pushAllowed: true));
        Assert.Equal("Fixes pushed as `abcdef1`; the gate of that commit checks them again.", GateTexts.FixNote(new ApplyFixesResult(["linting"], [], diff, "abcdef1234", null), pushAllowed: true));
        var fork = GateTexts.FixNote(new ApplyFixesResult(["linting"], [], diff, null, null), pushAllowed: false)!;
        Assert.Contains("comes from a fork", fork, StringComparison.Ordinal);
        Assert.Contains("````diff\n" + diff + "\n````", fork, StringComparison.Ordinal);
        Assert.Contains("could not be pushed (rejected)", GateTexts.FixNote(new ApplyFixesResult(["linting"], [], diff, null, "rejected"), pushAllowed: true), StringComparison.Ordinal);
        Assert.Equal("The fix commands changed nothing.", GateTexts.FixNote(new ApplyFixesResult([], ["linting: `x` exited with 1"], null, null, null), pushAllowed: true));
        Assert.Null(GateTexts.FixNote(new ApplyFixesResult(["linting"], [], null, null, null), pushAllowed: true));
    }

    [Fact]
    public void The_summary_is_the_sticky_comment_with_the_notes_after_it()
    {
        var rows = new List<GateCommentRow> { new("unit_tests", CheckState.Passed, 100, true) };

        var summary = GateTexts.Summary("abc", new Verdict(100, true, []), rows, [], ["Fix failed: linting"]);

        Assert.StartsWith(GateComment.Marker, summary, StringComparison.Ordinal);
        Assert.EndsWith("**Notes**\n\nFix failed: linting\n", summary, StringComparison.Ordinal);
        Assert.Equal(GateComment.Render("abc", new Verdict(100, true, []), rows, [], null), GateTexts.Summary("abc", new Verdict(100, true, []), rows, [], []));
        Assert.Equal("GitHubBot cannot run the gate until the configuration is fixed:\n\n- a\n- b", GateTexts.InvalidConfig(["a", "b"]));
    }

    [Fact]
    public void A_stopped_gate_is_a_cancelled_result_that_blocks_with_the_reason()
    {
        var cancelled = QualityGateResult.Cancelled("Superseded.", 42);

        Assert.Equal(("cancelled", false, 0d, 42L), (cancelled.Conclusion, cancelled.CanMerge, cancelled.OverallScore, cancelled.CheckRunId));
        Assert.Equal(["Superseded."], cancelled.BlockingIssues);
        Assert.Equal(500, GitHubText.MaxAnnotationsPerCheckRun);
    }
}

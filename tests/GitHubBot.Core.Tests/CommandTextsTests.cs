using GitHubBot.Core.Commands;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class CommandTextsTests
{
    [Fact]
    public void Status_of_a_pr_lists_its_newest_three_gates_with_their_checks_and_links()
    {
        var waiting = new QualityGateStatus("waiting for /ok-to-test", 0, 0, 5) { WaitingForOkToTest = true };
        var running = new QualityGateStatus("running checks", 1, 2, 6) { Checks = [new CheckProgress("unit_tests", "passed"), new CheckProgress("static_analysis", "timed_out")] };
        var gates = new List<GateInfo>
        {
            new("gate/o/r/7/b", true, running, "http://ui/b"),
            new("gate/o/r/7/a", true, waiting, null),
            new("gate/o/r/7/old", false, null, null),
            new("gate/o/r/7/older", false, null, null),
        };

        var text = CommandTexts.GatesStatus(7, gates);

        Assert.StartsWith("**Quality gate** [`gate/o/r/7/b`](http://ui/b): running, running checks, 1/2 checks done\n- unit tests: passed\n- static analysis: timed out\n", text, StringComparison.Ordinal);
        Assert.Contains("**Quality gate** `gate/o/r/7/a`: running, waiting for /ok-to-test, 0/0 checks done, waiting for `/ok-to-test`", text, StringComparison.Ordinal);
        Assert.Contains("`gate/o/r/7/old`: finished", text, StringComparison.Ordinal);
        Assert.DoesNotContain("older", text, StringComparison.Ordinal);
        Assert.Equal("GitHubBot has run nothing on #7 yet.", CommandTexts.GatesStatus(7, []));
    }

    [Fact]
    public void Status_of_an_issue_tells_how_far_its_plan_got()
    {
        var status = new PlanPatchPrStatus(true, 2, 3, true, true, "https://github.com/o/r/pull/9") { Stage = "merging", FixRound = 1, QaScore = 92.5, TokensUsed = 1200, Iterations = 6 };

        var text = CommandTexts.PlanStatus(5, new PlanInfo("plan/o/r/5", true, status, null));

        Assert.Equal(
            "**Plan → patch → PR** (`plan/o/r/5`): running, merging\n- design: written\n- sub-issues: 2, patches: 3\n- quality gate: 92.5/100, fix round 1\n"
            + "- pull request: https://github.com/o/r/pull/9\n- agents: 6 calls, 1200 tokens\n",
            text);
        Assert.Equal("**Plan → patch → PR** ([`plan/o/r/5`](http://ui/p)): finished\n", CommandTexts.PlanStatus(5, new PlanInfo("plan/o/r/5", false, null, "http://ui/p")));
        Assert.Equal("GitHubBot has run nothing on #5 yet.", CommandTexts.PlanStatus(5, null));
        Assert.Contains("already working on #5 (`plan/o/r/5`)", CommandTexts.PlanAlreadyRunning(5, new PlanInfo("plan/o/r/5", true, null, null)), StringComparison.Ordinal);
    }

    [Fact]
    public void Refusals_name_the_permission_needed_and_the_one_held()
    {
        Assert.Equal(
            "Sorry, `/fix` needs maintain permission on o/r, and you have write. Ask a maintainer to run it.",
            CommandTexts.Refused("fix", AccessLevel.Maintain, "o", "r", "write"));
        Assert.StartsWith("@t GitHubBot starts work from the `go` label only when it is added by someone with write permission on o/r; you have triage.", CommandTexts.LabelRefused("t", "go", AccessLevel.Write, "o", "r", "triage"), StringComparison.Ordinal);
    }
}

using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;

namespace GitHubBot.Core.Tests;

public sealed class PlanTextsTests
{
    private static readonly DesignAnswer Design = new("Add `mul`.", ["None."], ["calc.sh", "test.sh"]);

    [Fact]
    public void The_requirement_is_the_issue_without_its_task_list_and_with_what_plan_added()
    {
        var issue = new IssueInfo(5, "Multiply", $"calc.sh should multiply.\n\n{TaskListRequest.Start}\n- [ ] #6\n{TaskListRequest.End}\n", "https://github.com/o/r/issues/5");

        Assert.Equal("calc.sh should multiply.", PlanTexts.Requirement(issue, null));
        Assert.Equal("calc.sh should multiply.\n\n**Also asked for**: keep it POSIX", PlanTexts.Requirement(issue, "keep it POSIX"));
    }

    [Fact]
    public void A_requirement_given_alone_is_filed_under_its_first_line()
    {
        Assert.Equal("Add mul", PlanTexts.IssueTitle("  Add mul\n\nIt multiplies."));
        Assert.Equal(new string('x', 77) + "...", PlanTexts.IssueTitle(new string('x', 120)));
        Assert.Equal("Add mul\n\n_Filed by GitHubBot for an operator (cli)._", PlanTexts.IssueBody(" Add mul ", null, "cli"));
    }

    [Fact]
    public void The_design_comment_shows_risks_and_files_and_asks_for_approval_only_when_needed()
    {
        var asking = PlanTexts.DesignComment(Design, approval: true);
        var telling = PlanTexts.DesignComment(Design with { Risks = [], Files = [] }, approval: false);

        Assert.Equal("### Design (GitHubBot architect)\n\nAdd `mul`.\n\n**Risks**\n\n- None.\n\n**Files likely touched**: `calc.sh`, `test.sh`\n\nComment `/approve` to go on, or `/reject [reason]` to stop.\n", asking);
        Assert.Equal("### Design (GitHubBot architect)\n\nAdd `mul`.\n\n", telling);
        Assert.Equal("@m rejected the design: too big", PlanTexts.NotApproved(new PlanDecision(false, "m", "too big"), TimeSpan.FromDays(7)));
        Assert.Equal("@m rejected the design.", PlanTexts.NotApproved(new PlanDecision(false, "m"), TimeSpan.FromDays(7)));
        Assert.Equal("Nobody approved the design within 168 hours.", PlanTexts.NotApproved(null, TimeSpan.FromDays(7)));
    }

    [Fact]
    public void A_sub_issue_names_its_parent_criteria_files_and_the_sub_issues_it_waits_for()
    {
        var sub = new SubIssuePlan("Test mul", "Cover it.", ["mul 2 3 is 6"], ["more_tests.sh"], [0, 3]);

        var body = PlanTexts.SubIssueBody(5, sub, [6]);

        Assert.Equal("Part of #5.\n\nCover it.\n\n**Acceptance criteria**\n\n- [ ] mul 2 3 is 6\n\n**Files**: `more_tests.sh`\n\n**After**: #6, sub-issue 4", body);
        Assert.Equal("**Sub-issues (GitHubBot)**\n\n- [ ] #6\n- [ ] #7", PlanTexts.TaskList([6, 7]));
        Assert.Equal(["more_tests.sh", "calc.sh", "test.sh"], PlanTexts.CoderFiles(sub, Design));
        Assert.Equal("Test mul\n\nCloses #7.", PlanTexts.PatchMessage(sub, 7));
    }

    [Fact]
    public void The_pr_closes_the_issue_and_its_sub_issues_and_carries_the_design_and_the_review()
    {
        var review = new ReviewAnswer(false, [new ReviewFinding("major", "calc.sh", "Overflow."), new ReviewFinding("minor", null, "Naming.")], null);

        var body = PlanTexts.PullRequestBody(5, [6, 7], Design, review);

        Assert.StartsWith("Closes #5.\n\nCloses #6.\nCloses #7.\n\n### Design\n\nAdd `mul`.\n\n### Review\n\nThe reviewer asked for changes.", body, StringComparison.Ordinal);
        Assert.Contains("\n- **major** `calc.sh`: Overflow.\n- **minor**: Naming.", body, StringComparison.Ordinal);
        Assert.Equal("Apply review findings for #5\n\n- major: Overflow.\n- minor: Naming.", PlanTexts.ReviewMessage(5, review));
    }

    [Fact]
    public void The_pr_closes_the_runs_own_issues_and_the_agents_words_close_nothing_else()
    {
        var design = new DesignAnswer("Add `mul`. Fixes #99 and closes #6 too.", [], []);
        var review = new ReviewAnswer(true, [new ReviewFinding("minor", null, "This also resolves #42.")], null);

        var body = PlanTexts.PullRequestBody(5, [6, 7], design, review);

        Assert.StartsWith("Closes #5.\n\nCloses #6.\nCloses #7.", body, StringComparison.Ordinal);
        Assert.Contains("Add `mul`. refs #99 and closes #6 too.", body, StringComparison.Ordinal);
        Assert.Contains("This also refs #42.", body, StringComparison.Ordinal);
        Assert.Equal("Apply review findings for #5\n\n- minor: This also refs #42.", PlanTexts.ReviewMessage(5, review));
    }
}

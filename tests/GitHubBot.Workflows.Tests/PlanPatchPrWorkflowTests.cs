using System.Diagnostics;
using System.Text.Json.Nodes;
using GitHubBot.Core.Agents;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Testing;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.Commands;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Hosting;
using GitHubBot.Workflows.PlanPatchPr;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Plan → patch → PR end to end: a real Temporal server, a real bare repository as the remote, the quality gate
/// running the fixture's real tests, GitHub faked over HTTP and the agents scripted per role.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class PlanPatchPrWorkflowTests(TemporalServerFixture temporal)
{
    internal const string CalcTitle = "Add mul to calc.sh";
    internal const string TestTitle = "Test mul";

    /// <summary>A tiny shell project whose tests really run in the gate.</summary>
    internal static readonly Dictionary<string, string> Calc = new()
    {
        ["calc.sh"] = "# calc: shell arithmetic\nadd() { echo $(( $1 + $2 )); }\n# more operations go here\n",
        ["test.sh"] = """
            . ./calc.sh
            fail=0
            check() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1 gave $2, expected $3"; fail=1; fi; }
            check "add 2 3" "$(add 2 3)" 5
            if [ -f more_tests.sh ]; then . ./more_tests.sh; fi
            exit $fail

            """,
    };

    internal const string Config = """
        quality_gate:
          checks:
            unit_tests: { run: "sh test.sh" }

        """;

    internal static object Design() => new { design = "Add a `mul` function to calc.sh and a test for it.", risks = new[] { "None worth noting." }, files = new[] { "calc.sh", "test.sh" } };

    internal static object TwoSubIssues() => new
    {
        sub_issues = new object[]
        {
            new { title = CalcTitle, body = "Multiply two numbers.", acceptance_criteria = new[] { "mul 2 3 prints 6" }, files = new[] { "calc.sh" }, depends_on = Array.Empty<int>() },
            new { title = TestTitle, body = "Cover mul in the tests.", acceptance_criteria = new[] { "sh test.sh checks mul" }, files = new[] { "more_tests.sh" }, depends_on = new[] { 0 } },
        },
    };

    internal static object Mul(string op = "*") => Coder("Adds mul.", new { path = "calc.sh", search = "# more operations go here", replace = $"mul() {{ echo $(( $1 {op} $2 )); }}\n# more operations go here" });

    internal static object MulTest() => Coder("Tests mul.", new { path = "more_tests.sh", content = "check \"mul 2 3\" \"$(mul 2 3)\" 6\n" });

    internal static object Coder(string summary, params object[] edits) => new { summary, edits };

    internal static object Approve() => new { approve = true, findings = Array.Empty<object>() };

    /// <summary>The usual agents: a design, two sub-issues (mul, its test), <paramref name="mul"/> for the first, an approving review; and a fix when the gate fails.</summary>
    internal static RoleChatClient Script(object mul, object? fix = null)
    {
        var chat = new RoleChatClient().OnJson("architect", null, Design()).OnJson("planner", null, TwoSubIssues());
        if (fix is not null)
        {
            chat.OnJson("coder", "Make the quality gate pass", fix);
        }

        return chat.OnJson("coder", CalcTitle, mul).OnJson("coder", TestTitle, MulTest()).OnJson("reviewer", null, Approve());
    }

    [Fact]
    public async Task An_approved_design_becomes_sub_issues_a_branch_a_pr_that_passes_the_real_tests_and_is_merged()
    {
        using var rig = await PlanRigAsync(Config + "agents:\n  require_design_approval: true\nauto_merge:\n  enabled: true\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "write");
        var issue = MulIssue(rig);
        var chat = new RoleChatClient()
            .On("architect", null, "Sure! Here is my design: add mul.")
            .OnJson("architect", null, Design())
            .OnJson("planner", null, TwoSubIssues())
            .OnJson("coder", CalcTitle, Mul())
            .OnJson("coder", TestTitle, MulTest())
            .OnJson("reviewer", null, Approve());
        chat.Delay = TimeSpan.FromMilliseconds(400);
        using var worker = rig.Worker(chat);

        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue, RequestedBy = "maintainer" });
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).WaitingForApproval);
            Assert.Contains(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("### Design", StringComparison.Ordinal) && c.Body.Contains("`/approve`", StringComparison.Ordinal));
            Assert.Equal([issue], rig.GitHub.Issues.Keys);

            var approve = await CommandAsync(rig, issue, "maintainer", "/approve");
            Assert.Equal("done", Assert.Single(approve.Outcomes).Outcome);
            var result = await handle.GetResultAsync();

            Assert.Equal("merged", result.Outcome);
            Assert.True(result.Merged);
            Assert.Equal(100, result.QaScore);
            Assert.Equal(2, result.SubIssues.Count);
            var status = await handle.QueryAsync(wf => wf.Status);
            Assert.True(status.HasDesign && status.QaCompleted && status.PrCreated);
            Assert.Equal((2, 2, result.PrUrl), (status.IssuesCount, status.PatchesCount, status.PrUrl));
            Assert.Equal(6 * 150, status.TokensUsed);
            Assert.Equal(5, status.Iterations);

            // The two coders worked at the same time; nothing else overlapped.
            Assert.Equal(2, chat.MaxConcurrentCalls);

            // The malformed first answer went back to the architect with the reason.
            var architect = chat.CallsTo("architect");
            Assert.Equal(2, architect.Count);
            Assert.Contains("cannot be used", architect[1].Last, StringComparison.Ordinal);

            // Sub-issues, labelled and linked from the parent's task list.
            foreach (var sub in result.SubIssues)
            {
                Assert.Contains(PlanTexts.SubIssueLabel, rig.GitHub.Labels(sub));
                Assert.Contains($"Part of #{issue}.", rig.GitHub.Issues[sub]["body"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.Contains($"- [ ] #{sub}", rig.GitHub.Issues[issue]["body"]!.GetValue<string>(), StringComparison.Ordinal);
            }

            // The PR: opened as a draft closing the issue, marked ready through GraphQL, merged at the gate's head.
            var opened = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls")).Body!)!;
            Assert.True(opened["draft"]!.GetValue<bool>());
            Assert.Contains($"Closes #{issue}.", opened["body"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.StartsWith($"ghbot/issue-{issue}-", opened["head"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Single(rig.GitHub.RequestsTo("POST", "/graphql"));
            var merge = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("PUT", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls/{result.PrNumber}/merge")).Body!)!;
            Assert.Equal(result.HeadSha, merge["sha"]!.GetValue<string>());

            // The gate checked the branch's head, and main now holds one commit per sub-issue, by the App.
            Assert.Contains(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo), run => run["head_sha"]!.GetValue<string>() == result.HeadSha);
            Assert.Equal(result.HeadSha, await rig.Repository.HeadOfAsync("main"));
            var log = await rig.Repository.RemoteGitAsync("log", "--format=%an|%s", "main");
            Assert.Equal([$"{GitHubFake.AppSlug}[bot]|{TestTitle}", $"{GitHubFake.AppSlug}[bot]|{CalcTitle}", "Octo Cat|Initial commit"], log.Trim().Split('\n'));
            var (exit, output) = await RunTestsAsync(rig.Repository, "main");
            Assert.True(exit == 0, output);
            Assert.Contains("ok: mul 2 3", output, StringComparison.Ordinal);

            // One progress comment, edited as the run went on, ending with the merge.
            var progress = Progress(rig, issue);
            Assert.Contains("was merged", progress.Body, StringComparison.Ordinal);
            Assert.Contains("approved by @maintainer", progress.Body, StringComparison.Ordinal);
            Assert.Equal(0, chat.Remaining);
            Assert.True(rig.WorkspacesEmpty);
            rig.GitHub.AssertNoUnexpectedRequests();

            await WriteHistoryAsync(rig, handle.Id, null);
        });
    }

    [Fact]
    public async Task Edits_that_do_not_apply_and_conflicting_patches_go_back_to_their_coders_with_the_reason()
    {
        using var rig = await PlanRigAsync(Config);
        var issue = rig.GitHub.AddIssue(GateRig.Owner, rig.Repo, "More operations", "Add mul and sub.");
        var plan = new
        {
            sub_issues = new object[]
            {
                new { title = CalcTitle, body = "Multiply.", acceptance_criteria = new[] { "mul works" }, files = new[] { "calc.sh" }, depends_on = Array.Empty<int>() },
                new { title = "Add sub to calc.sh", body = "Subtract.", acceptance_criteria = new[] { "sub works" }, files = new[] { "calc.sh" }, depends_on = Array.Empty<int>() },
            },
        };
        var chat = new RoleChatClient()
            .OnJson("architect", null, Design())
            .OnJson("planner", null, plan)
            .OnJson(
                "coder",
                CalcTitle,
                Coder("Adds mul.", new { path = "calc.sh", search = "# other operations", replace = "mul" }),
                Coder("Adds mul in place of the placeholder.", new { path = "calc.sh", search = "# more operations go here\n", replace = "mul() { echo $(( $1 * $2 )); }\n" }))
            .OnJson(
                "coder",
                "Add sub to calc.sh",
                Coder("Adds sub.", new { path = "calc.sh", search = "# more operations go here", replace = "sub() { echo $(( $1 - $2 )); }\n# more operations go here" }),
                Coder("Adds sub after mul.", new { path = "calc.sh", search = "mul() { echo $(( $1 * $2 )); }", replace = "mul() { echo $(( $1 * $2 )); }\nsub() { echo $(( $1 - $2 )); }" }))
            .OnJson("reviewer", null, Approve());
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(() => RunAsync(rig, issue));

        Assert.Equal("ready", result.Outcome);
        Assert.False(result.Merged);
        var mulCoder = chat.Calls.Where(c => c.Role == "coder" && c.Task.Contains(CalcTitle, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, mulCoder.Count);
        Assert.Contains("the search text was not found", mulCoder[1].Task, StringComparison.Ordinal);
        var subCoder = chat.Calls.Where(c => c.Role == "coder" && c.Task.Contains("Add sub", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, subCoder.Count);
        Assert.Contains("conflict with the changes of the other sub-issues", subCoder[1].Task, StringComparison.Ordinal);
        Assert.Contains("mul() { echo $(( $1 * $2 )); }", subCoder[1].Task, StringComparison.Ordinal);

        var calc = await rig.Repository.RemoteGitAsync("show", $"{result.HeadSha}:calc.sh");
        Assert.Equal("# calc: shell arithmetic\nadd() { echo $(( $1 + $2 )); }\nmul() { echo $(( $1 * $2 )); }\nsub() { echo $(( $1 - $2 )); }\n", calc);
        Assert.Single(rig.GitHub.RequestsTo("POST", "/graphql"));
        Assert.DoesNotContain(rig.GitHub.Requests, r => r.RequestMessage.Path.EndsWith("/merge", StringComparison.Ordinal));
        Assert.Contains(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("conflicted with the ones before it", StringComparison.Ordinal));
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_patch_that_breaks_the_tests_is_fixed_in_the_next_round_from_the_gate_s_failures()
    {
        string? planId = null;
        using var rig = await PlanRigAsync(Config + "auto_merge:\n  enabled: true\n");
        rig.GitHub.NotMergeableTimes = 1;
        var issue = MulIssue(rig);
        var chat = Script(Mul("+"), Coder("Multiply, not add.", new { path = "calc.sh", search = "mul() { echo $(( $1 + $2 )); }", replace = "mul() { echo $(( $1 * $2 )); }" }));
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue });
            planId = handle.Id;
            return await handle.GetResultAsync();
        });

        await WriteHistoryAsync(rig, planId!, "fix-round");
        Assert.Equal("merged", result.Outcome);

        // GitHub had not worked out mergeability at the first try: the merge was asked for again.
        Assert.Equal(2, rig.GitHub.RequestsTo("PUT", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls/{result.PrNumber}/merge").Count);
        var fixer = Assert.Single(chat.CallsTo("coder"), c => c.Task.Contains("Make the quality gate pass", StringComparison.Ordinal));
        Assert.Contains("FAIL: mul 2 3 gave 5, expected 6", fixer.Task, StringComparison.Ordinal);
        var log = await rig.Repository.RemoteGitAsync("log", "--format=%s", "main");
        Assert.Equal(4, log.Trim().Split('\n').Length);
        Assert.StartsWith("Fix the quality gate's failures (round 1)", log, StringComparison.Ordinal);
        var gates = rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).Where(r => r["name"]!.GetValue<string>() == "GitHubBot / quality gate").ToList();
        Assert.Equal(2, gates.Count);
        var (exit, output) = await RunTestsAsync(rig.Repository, "main");
        Assert.True(exit == 0, output);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_patch_that_is_never_fixed_leaves_a_draft_pr_with_the_failures_explained()
    {
        using var rig = await PlanRigAsync(Config + "agents:\n  fix_rounds: 1\nauto_merge:\n  enabled: true\n");
        var issue = MulIssue(rig);
        var chat = Script(Mul("+"), Coder("Try again.", new { path = "calc.sh", search = "mul() { echo $(( $1 + $2 )); }", replace = "mul() { echo $(( $1 - $2 )); }" }));
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(() => RunAsync(rig, issue));

        Assert.Equal("draft", result.Outcome);
        Assert.False(result.Merged);
        Assert.True(result.QaScore < 85);
        Assert.Empty(rig.GitHub.RequestsTo("POST", "/graphql"));
        var pr = Assert.Single(rig.GitHub.PullRequests);
        Assert.True(pr["draft"]!.GetValue<bool>());
        Assert.Equal("open", pr["state"]!.GetValue<string>());
        var explained = Assert.Single(rig.GitHub.CommentsOn(result.PrNumber!.Value), c => c.Body.Contains("stays a draft", StringComparison.Ordinal));
        Assert.Contains("FAIL: mul 2 3 gave -1, expected 6", explained.Body, StringComparison.Ordinal);
        Assert.Equal(result.HeadSha, await rig.Repository.HeadOfAsync(pr["head"]!["ref"]!.GetValue<string>()));
        var progress = Progress(rig, issue);
        Assert.Contains("left as a draft", progress.Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task With_on_failure_close_a_gate_that_keeps_failing_undoes_the_run()
    {
        using var rig = await PlanRigAsync(Config + "agents:\n  fix_rounds: 0\n  on_failure: close\n");
        var issue = MulIssue(rig);
        using var worker = rig.Worker(Script(Mul("+")));

        var result = await worker.ExecuteAsync(() => RunAsync(rig, issue));

        Assert.Equal("closed", result.Outcome);
        var pr = Assert.Single(rig.GitHub.PullRequests);
        Assert.Equal("closed", pr["state"]!.GetValue<string>());
        Assert.DoesNotContain("ghbot/", await rig.Repository.RemoteGitAsync("branch", "--list"), StringComparison.Ordinal);
        Assert.All(result.SubIssues, sub => Assert.Contains(PlanTexts.AbandonedLabel, rig.GitHub.Labels(sub)));
        var progress = Progress(rig, issue);
        Assert.Contains("still failed", progress.Body, StringComparison.Ordinal);
        Assert.Contains("FAIL: mul 2 3 gave 5, expected 6", progress.Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_run_that_reaches_its_token_budget_stops_cleanly_closes_its_sub_issues_and_says_why()
    {
        using var rig = await PlanRigAsync(Config + "agents:\n  max_tokens: 450\n");
        var issue = MulIssue(rig);
        var chat = new RoleChatClient()
            .OnJson("architect", null, Design())
            .OnJson("planner", null, TwoSubIssues())
            .OnJson("coder", CalcTitle, Mul())
            .OnJson("coder", TestTitle, MulTest());
        using var worker = rig.Worker(chat);

        var failure = await worker.ExecuteAsync(async () => await Assert.ThrowsAsync<WorkflowFailedException>(async () =>
            await (await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue })).GetResultAsync()));

        var cause = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal("BudgetExhausted", cause.ErrorType);
        Assert.Contains("600 tokens", cause.Message, StringComparison.Ordinal);
        Assert.Empty(chat.CallsTo("reviewer"));
        var subs = rig.GitHub.Issues.Keys.Where(n => n != issue).ToList();
        Assert.Equal(2, subs.Count);
        foreach (var sub in subs)
        {
            Assert.Equal("closed", rig.GitHub.Issues[sub]["state"]!.GetValue<string>());
            Assert.Equal("not_planned", rig.GitHub.Issues[sub]["state_reason"]!.GetValue<string>());
            Assert.Contains(PlanTexts.AbandonedLabel, rig.GitHub.Labels(sub));
        }

        Assert.Empty(rig.GitHub.PullRequests);
        Assert.DoesNotContain("ghbot/", await rig.Repository.RemoteGitAsync("branch", "--list"), StringComparison.Ordinal);
        var progress = Progress(rig, issue);
        Assert.Contains("The budget ran out", progress.Body, StringComparison.Ordinal);
        Assert.Contains("agents.max_tokens allows 450", progress.Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_change_too_large_for_one_run_stops_it_asking_for_smaller_issues()
    {
        using var rig = await PlanRigAsync(Config);
        var issue = rig.GitHub.AddIssue(GateRig.Owner, rig.Repo, "Generate tables", "Lots of data.");
        object Tables(int first, int count) => Coder("Tables.", [.. Enumerable.Range(first, count).Select(i => (object)new { path = $"data/table{i}.txt", content = new string('x', 99_000) })]);
        var chat = new RoleChatClient()
            .OnJson("architect", null, Design())
            .OnJson("planner", null, TwoSubIssues())
            .OnJson("coder", CalcTitle, Tables(0, 4))
            .OnJson("coder", TestTitle, Tables(4, 3));
        using var worker = rig.Worker(chat);

        var failure = await worker.ExecuteAsync(async () => await Assert.ThrowsAsync<WorkflowFailedException>(() => RunAsync(rig, issue)));

        // Each coder's part fits; together they do not.
        var cause = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal("ChangeTooLarge", cause.ErrorType);
        Assert.Contains("split the issue into smaller ones", cause.Message, StringComparison.Ordinal);
        Assert.Equal(2, chat.CallsTo("coder").Count);
        Assert.Empty(rig.GitHub.PullRequests);
        Assert.All(rig.GitHub.Issues.Keys.Where(n => n != issue), sub => Assert.Equal("closed", rig.GitHub.Issues[sub]["state"]!.GetValue<string>()));
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Cancel_after_someone_pushed_to_the_branch_keeps_their_branch_and_pr()
    {
        using var rig = await PlanRigAsync("quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 120\" }\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "maintain");
        var issue = MulIssue(rig);
        using var worker = rig.Worker(Script(Mul()));

        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue });
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Stage == "quality gate"
                && rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).Any(r => r["status"]?.GetValue<string>() == "in_progress"));
            var branch = Assert.Single(rig.GitHub.PullRequests)["head"]!["ref"]!.GetValue<string>();

            // A maintainer pushes a commit of their own onto the bot's branch.
            var head = await rig.Repository.HeadOfAsync(branch);
            var tree = (await rig.Repository.RemoteGitAsync("rev-parse", $"{head}^{{tree}}")).Trim();
            var theirs = (await rig.Repository.RemoteGitAsync("-c", "user.name=Maintainer", "-c", "user.email=m@example.com", "commit-tree", tree, "-p", head, "-m", "Polish")).Trim();
            await rig.Repository.RemoteGitAsync("update-ref", $"refs/heads/{branch}", theirs);

            await CommandAsync(rig, issue, "maintainer", "/cancel");
            var result = await handle.GetResultAsync();

            Assert.Equal("cancelled", result.Outcome);
            Assert.Equal(theirs, await rig.Repository.HeadOfAsync(branch));
            Assert.Equal("open", Assert.Single(rig.GitHub.PullRequests)["state"]!.GetValue<string>());
            Assert.All(result.SubIssues, sub => Assert.Equal("closed", rig.GitHub.Issues[sub]["state"]!.GetValue<string>()));
            var progress = Progress(rig, issue);
            Assert.Contains($"left the branch `{branch}` as it is: someone else pushed to it", progress.Body, StringComparison.Ordinal);
            Assert.Contains("open: someone else pushed to it", progress.Body, StringComparison.Ordinal);
        });
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Cancel_during_the_gate_deletes_the_branch_closes_the_pr_and_the_sub_issues_and_says_who()
    {
        using var rig = await PlanRigAsync("quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 120\" }\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "maintain");
        var issue = MulIssue(rig);
        var chat = Script(Mul());
        using var worker = rig.Worker(chat);

        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue });
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Stage == "quality gate"
                && rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).Any(r => r["status"]?.GetValue<string>() == "in_progress"));
            var branch = Assert.Single(rig.GitHub.PullRequests)["head"]!["ref"]!.GetValue<string>();
            Assert.Contains(branch, await rig.Repository.RemoteGitAsync("branch", "--list"), StringComparison.Ordinal);

            var cancel = await CommandAsync(rig, issue, "maintainer", "/cancel");
            Assert.Equal("done", Assert.Single(cancel.Outcomes).Outcome);
            var result = await handle.GetResultAsync();
            await WriteHistoryAsync(rig, handle.Id, "cancelled");

            Assert.Equal("cancelled", result.Outcome);
            Assert.DoesNotContain(branch, await rig.Repository.RemoteGitAsync("branch", "--list"), StringComparison.Ordinal);
            Assert.Equal("closed", Assert.Single(rig.GitHub.PullRequests)["state"]!.GetValue<string>());
            foreach (var sub in result.SubIssues)
            {
                Assert.Equal("closed", rig.GitHub.Issues[sub]["state"]!.GetValue<string>());
                Assert.Contains(PlanTexts.AbandonedLabel, rig.GitHub.Labels(sub));
            }

            var progress = Progress(rig, issue);
            Assert.Contains("Cancelled by @maintainer with /cancel.", progress.Body, StringComparison.Ordinal);
            Assert.Contains($"deleted the branch `{branch}`", progress.Body, StringComparison.Ordinal);

            // The gate child was cancelled with it: its check run says so, and its workspace is gone.
            var summary = rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).First(r => r["name"]!.GetValue<string>() == "GitHubBot / quality gate");
            Assert.Equal("in_progress", summary["status"]!.GetValue<string>());
            await GateWorkflowTests.WaitUntilAsync(() => Task.FromResult(
                rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, 1000).Any(u => u["conclusion"]?.GetValue<string>() == "cancelled") && rig.WorkspacesEmpty));
        });
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_requirement_without_an_issue_gets_one_and_without_a_model_the_run_stops_at_once_saying_what_to_set()
    {
        using var rig = await PlanRigAsync(Config);
        using var worker = rig.Worker(chat: null);

        var failure = await worker.ExecuteAsync(async () => await Assert.ThrowsAsync<WorkflowFailedException>(async () =>
            await (await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, Requirement = "Add a mul function to calc.sh\n\nIt multiplies two numbers.", Trigger = "cli" }))
                .GetResultAsync()));

        var issue = Assert.Single(rig.GitHub.Issues);
        Assert.Equal("Add a mul function to calc.sh", issue.Value["title"]!.GetValue<string>());
        Assert.Contains("It multiplies two numbers.", issue.Value["body"]!.GetValue<string>(), StringComparison.Ordinal);
        var cause = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal("AgentsNotConfigured", cause.ErrorType);
        Assert.Contains("Agents:Provider", cause.Message, StringComparison.Ordinal);
        var progress = Progress(rig, issue.Key);
        Assert.Contains("Agents:Provider", progress.Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_rejected_design_of_a_run_started_from_a_requirement_stops_it_before_anything_is_changed()
    {
        using var rig = await PlanRigAsync(Config + "agents:\n  require_design_approval: true\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "admin");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "reader", "read");
        using var worker = rig.Worker(new RoleChatClient().OnJson("architect", null, Design()));

        await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, Requirement = "Multiply numbers in calc.sh", Trigger = "cli" });
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).WaitingForApproval);
            var issue = (await handle.QueryAsync(wf => wf.Status)).IssueNumber!.Value;

            // The commands on the issue it filed find the run, though its ID names the requirement.
            var refused = await CommandAsync(rig, issue, "reader", "/approve");
            Assert.Equal("refused", Assert.Single(refused.Outcomes).Outcome);
            Assert.True((await handle.QueryAsync(wf => wf.Status)).WaitingForApproval);

            var rejected = await CommandAsync(rig, issue, "maintainer", "/reject mul belongs in a library");
            Assert.Equal(handle.Id, Assert.Single(rejected.Outcomes).WorkflowId);
            var result = await handle.GetResultAsync();
            Assert.Equal("rejected", result.Outcome);
            Assert.Contains("@maintainer rejected the design: mul belongs in a library", result.Explanation, StringComparison.Ordinal);

            Assert.Equal([issue], rig.GitHub.Issues.Keys);
            Assert.Empty(rig.GitHub.PullRequests);
            var progress = Progress(rig, issue);
            Assert.Contains("Nothing was changed", progress.Body, StringComparison.Ordinal);
        });
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_gate_someone_else_stops_hands_the_pr_over_and_nothing_is_undone()
    {
        using var rig = await PlanRigAsync("quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 120\" }\n");
        var issue = MulIssue(rig);
        var chat = Script(Mul());
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue });
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Stage == "quality gate"
                && rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).Any(r => r["status"]?.GetValue<string>() == "in_progress"));
            var pr = Assert.Single(rig.GitHub.PullRequests);
            var head = await rig.Repository.HeadOfAsync(pr["head"]!["ref"]!.GetValue<string>());

            // What a newer push to the PR does to the gate of the older head.
            await rig.Temporal.GetWorkflowHandle<QualityGate.QualityGateWorkflow>(WorkflowIds.QualityGate(GateRig.Owner, rig.Repo, pr["number"]!.GetValue<int>(), head))
                .SignalAsync(wf => wf.CancelAsync(new CancelGate("Superseded by a newer commit.", "gate/newer")));
            return await handle.GetResultAsync();
        });

        Assert.Equal("stopped", result.Outcome);
        Assert.Contains("stopped by someone else", result.Explanation, StringComparison.Ordinal);
        var open = Assert.Single(rig.GitHub.PullRequests);
        Assert.Equal("open", open["state"]!.GetValue<string>());
        Assert.Contains(open["head"]!["ref"]!.GetValue<string>(), await rig.Repository.RemoteGitAsync("branch", "--list"), StringComparison.Ordinal);
        Assert.All(result.SubIssues, sub => Assert.Equal("open", rig.GitHub.Issues[sub]["state"]!.GetValue<string>()));
        Assert.DoesNotContain(chat.CallsTo("coder"), c => c.Task.Contains("Make the quality gate pass", StringComparison.Ordinal));
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Slash_plan_starts_the_run_with_its_text_and_a_second_one_while_it_runs_says_so()
    {
        using var rig = await PlanRigAsync(Config + "agents:\n  require_design_approval: true\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "write");
        var issue = MulIssue(rig);
        var chat = new RoleChatClient().OnJson("architect", null, Design());
        using var worker = rig.Worker(chat);

        await worker.ExecuteAsync(async () =>
        {
            var first = await CommandAsync(rig, issue, "maintainer", "/plan and keep it POSIX");
            var id = Assert.Single(first.Outcomes).WorkflowId!;
            Assert.Equal(WorkflowIds.PlanPatchPr(GateRig.Owner, rig.Repo, issue), id);
            var handle = rig.Temporal.GetWorkflowHandle<PlanPatchPrWorkflow>(id);
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).WaitingForApproval);
            Assert.Contains("**Also asked for**: and keep it POSIX", Assert.Single(chat.CallsTo("architect")).Task, StringComparison.Ordinal);

            var second = await CommandAsync(rig, issue, "maintainer", "/plan");
            Assert.Equal("nothing-to-do", Assert.Single(second.Outcomes).Outcome);
            Assert.Contains(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("already working on", StringComparison.Ordinal));

            await CommandAsync(rig, issue, "maintainer", "/status");
            Assert.Contains(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("waiting for `/approve`", StringComparison.Ordinal));
            await CommandAsync(rig, issue, "maintainer", "/cancel");
            Assert.Equal("cancelled", (await handle.GetResultAsync<PlanPatchPrResult>()).Outcome);
        });
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task The_trigger_label_added_by_a_writer_starts_the_plan_and_by_a_triager_it_does_not()
    {
        using var rig = await PlanRigAsync(Config + "trigger_label: \"bot: build it\"\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "triager", "triage");
        var issue = MulIssue(rig);
        using var worker = rig.Worker(chat: null);

        await worker.ExecuteAsync(async () =>
        {
            var other = await LabelAsync(rig, issue, "writer", "ghbot:implement");
            Assert.Equal("ignored", Assert.Single(other.Outcomes).Outcome);
            var refused = await LabelAsync(rig, issue, "triager", "bot: build it");
            Assert.Equal("refused", Assert.Single(refused.Outcomes).Outcome);
            Assert.Contains(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("@triager", StringComparison.Ordinal) && c.Body.Contains("write permission", StringComparison.Ordinal));

            var started = await LabelAsync(rig, issue, "writer", "bot: build it");
            var id = Assert.Single(started.Outcomes).WorkflowId!;
            Assert.Equal(WorkflowIds.PlanPatchPr(GateRig.Owner, rig.Repo, issue), id);

            // Without a model configured, the run it started says so on the issue.
            await Assert.ThrowsAsync<WorkflowFailedException>(() => temporal.Client.GetWorkflowHandle(id).GetResultAsync());
            Assert.Contains(rig.GitHub.CommentsOn(issue), c => c.Body.Contains(PlanProgress.Marker, StringComparison.Ordinal) && c.Body.Contains("Agents:Provider", StringComparison.Ordinal));
        });
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    /// <summary>
    /// With GHBOT_WRITE_HISTORIES (see <see cref="ReplayTests.HistoryVersion"/>), keeps this run's history as
    /// plan-patch-pr-vN[-scenario].json, and its change request's as change-request-vN[-scenario].json, for the replay tests.
    /// </summary>
    private async Task WriteHistoryAsync(GateRig rig, string workflowId, string? scenario)
    {
        var suffix = scenario is null ? string.Empty : $"-{scenario}";
        if (ReplayTests.HistoryVersion("plan-patch-pr") is { } version)
        {
            var history = await temporal.Client.GetWorkflowHandle(workflowId).FetchHistoryAsync();
            await ReplayTests.WriteHistoryAsync($"plan-patch-pr-{version}{suffix}", history);
        }

        if (ReplayTests.HistoryVersion("change-request") is { } changeVersion)
        {
            var branch = Assert.Single(rig.GitHub.PullRequests)["head"]!["ref"]!.GetValue<string>();
            var change = temporal.Client.GetWorkflowHandle(WorkflowIds.ChangeRequest(GateRig.Owner, rig.Repo, branch));
            await change.GetResultAsync<ChangeRequestResult>();
            await ReplayTests.WriteHistoryAsync($"change-request-{changeVersion}{suffix}", await change.FetchHistoryAsync());
        }
    }

    private async Task<GateRig> PlanRigAsync(string config)
    {
        var rig = await GateRig.CreateAsync(temporal.Client, Calc);
        rig.WithConfig(config);
        rig.GitHub.ExpectPlan(GateRig.Owner, rig.Repo, GateRig.Token, rig.Repository);
        return rig;
    }

    internal static Task<WorkflowHandle<PlanPatchPrWorkflow, PlanPatchPrResult>> StartAsync(GateRig rig, PlanPatchPrInput input) =>
        rig.Temporal.StartWorkflowAsync(
            (PlanPatchPrWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(input.IssueNumber is { } issue ? WorkflowIds.PlanPatchPr(input.Owner, input.Repo, issue) : WorkflowIds.PlanPatchPrRequirement(input.Owner, input.Repo, input.Requirement!), rig.TaskQueue));

    /// <summary>The usual issue: calc.sh should multiply.</summary>
    private static int MulIssue(GateRig rig) => rig.GitHub.AddIssue(GateRig.Owner, rig.Repo, "Multiply numbers", "calc.sh should multiply too.");

    /// <summary>GitHubBot's one progress comment on the issue.</summary>
    private static GitHubFake.Comment Progress(GateRig rig, int issue) =>
        Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.Contains(PlanProgress.Marker, StringComparison.Ordinal));

    private static async Task<PlanPatchPrResult> RunAsync(GateRig rig, int issue) =>
        await (await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue })).GetResultAsync();

    private static Task<CommandResult> CommandAsync(GateRig rig, int issue, string author, string comment)
    {
        var input = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = issue,
            CommentId = Random.Shared.Next(1000, 1_000_000),
            Author = author,
            Commands = SlashCommands.Parse(comment),
        };
        return rig.Temporal.ExecuteWorkflowAsync((Commands.CommandWorkflow wf) => wf.RunAsync(input), new WorkflowOptions($"command-{Guid.NewGuid():N}", rig.TaskQueue));
    }

    private static Task<CommandResult> LabelAsync(GateRig rig, int issue, string author, string label)
    {
        var input = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = issue,
            Author = author,
            Commands = [],
            Label = label,
            DefaultTriggerLabel = RepoConfig.DefaultTriggerLabel,
        };
        return rig.Temporal.ExecuteWorkflowAsync((Commands.CommandWorkflow wf) => wf.RunAsync(input), new WorkflowOptions($"label-{Guid.NewGuid():N}", rig.TaskQueue));
    }

    /// <summary>Clones <paramref name="branch"/> of the remote and runs its tests, as a developer would.</summary>
    internal static async Task<(int Exit, string Output)> RunTestsAsync(FixtureRepository repository, string branch)
    {
        using var checkout = new TempDirectory("ghbot-plan-check-");
        using (var clone = Process.Start(new ProcessStartInfo("git", ["clone", "--quiet", "--branch", branch, repository.CloneUrl, checkout.Path]) { RedirectStandardError = true })!)
        {
            await clone.WaitForExitAsync();
            Assert.Equal(0, clone.ExitCode);
        }

        using var tests = Process.Start(new ProcessStartInfo("sh", ["test.sh"]) { WorkingDirectory = checkout.Path, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await tests.StandardOutput.ReadToEndAsync();
        await tests.WaitForExitAsync();
        return (tests.ExitCode, output);
    }
}

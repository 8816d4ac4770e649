using System.Text.Json.Nodes;
using GitHubBot.Core.Common;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Testing;
using GitHubBot.Workflows.PlanPatchPr;
using Temporalio.Exceptions;
using static GitHubBot.Workflows.Tests.PlanScenarios;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Plan → patch → PR end to end: a real Temporal server, a real bare repository as the remote, the quality gate
/// running the fixture's real tests, GitHub faked over HTTP and the agents scripted per role.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class PlanPatchPrWorkflowTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task An_approved_design_becomes_sub_issues_a_branch_a_pr_that_passes_the_real_tests_and_is_merged()
    {
        using var rig = await RigAsync(temporal.Client, Config + "agents:\n  require_design_approval: true\nauto_merge:\n  enabled: true\n");
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
        using var rig = await RigAsync(temporal.Client, Config);
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
        using var rig = await RigAsync(temporal.Client, Config + "auto_merge:\n  enabled: true\n");
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
        using var rig = await RigAsync(temporal.Client, Config + "agents:\n  fix_rounds: 1\nauto_merge:\n  enabled: true\n");
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
        using var rig = await RigAsync(temporal.Client, Config + "agents:\n  fix_rounds: 0\n  on_failure: close\n");
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
    public async Task Slash_plan_starts_the_run_with_its_text_and_a_second_one_while_it_runs_says_so()
    {
        using var rig = await RigAsync(temporal.Client, Config + "agents:\n  require_design_approval: true\n");
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
        using var rig = await RigAsync(temporal.Client, Config + "trigger_label: \"bot: build it\"\n");
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
}

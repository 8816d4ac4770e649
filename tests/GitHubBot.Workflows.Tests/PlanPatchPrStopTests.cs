using GitHubBot.Core.Common;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Temporalio.Exceptions;
using static GitHubBot.Workflows.Tests.PlanScenarios;

namespace GitHubBot.Workflows.Tests;

/// <summary>Plan → patch → PR runs that stop before they merge: budgets, sizes, cancels, rejections, a missing model, a gate someone else stopped — and what each leaves behind.</summary>
[Collection(TemporalCollection.Name)]
public sealed class PlanPatchPrStopTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_run_that_reaches_its_token_budget_stops_cleanly_closes_its_sub_issues_and_says_why()
    {
        using var rig = await RigAsync(temporal.Client, Config + "agents:\n  max_tokens: 450\n");
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
        using var rig = await RigAsync(temporal.Client, Config);
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
        using var rig = await RigAsync(temporal.Client, "quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 120\" }\n");
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
        using var rig = await RigAsync(temporal.Client, "quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 120\" }\n");
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
        using var rig = await RigAsync(temporal.Client, Config);
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
        using var rig = await RigAsync(temporal.Client, Config + "agents:\n  require_design_approval: true\n");
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
        using var rig = await RigAsync(temporal.Client, "quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 120\" }\n");
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
}

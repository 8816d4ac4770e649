using System.Text.Json.Nodes;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Testing;
using Temporalio.Client;
using Temporalio.Exceptions;
using static GitHubBot.Workflows.Tests.MigrationScenarios;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Code migrations end to end: a real Temporal server, a real Node project whose vendored dependency's next major
/// renames an API (so the bump alone breaks its tests), the repository's real tests run by the gate's check runner
/// after every step, git against a bare repository, GitHub faked over HTTP, the agents scripted.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class CodeMigrationWorkflowTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task The_seeds_diamond_plan_runs_in_dependency_waves_each_step_tested_and_committed_then_one_pr()
    {
        using var rig = await RigAsync(temporal.Client);
        var chat = DiamondAgents();
        using var worker = rig.Worker(chat);
        var issue = Issue(rig);
        var input = Input(rig, issue);

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, input);
            var done = await handle.GetResultAsync();
            await WriteHistoryAsync(rig, input.WorkflowId, null);
            return done;
        });

        Assert.Equal("completed", result.Outcome);
        Assert.Equal((4, 4), (result.CompletedSteps, result.TotalSteps));
        Assert.Equal(["1", "2", "3", "4"], result.Steps.Select(s => s.Id));
        Assert.All(result.Steps, s => Assert.Equal("done", s.State));
        Assert.All(result.Steps, s => Assert.Contains(s.Checks, c => c.StartsWith("unit_tests: passed", StringComparison.Ordinal)));

        // 1 before {2, 3}, written side by side, before 4; a commit per step, in the plan's order.
        var coders = chat.CallsTo("coder").Select(c => c.Task[..c.Task.IndexOf(':', StringComparison.Ordinal)]).ToList();
        Assert.Equal("# Migration step 1", coders[0]);
        Assert.Equal(["# Migration step 2", "# Migration step 3"], coders[1..3].Order());
        Assert.Equal("# Migration step 4", coders[3]);
        Assert.Equal(["1", "2", "3", "4"], await StepsOnAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0"));

        // The branch is what was tested: the bump, its lock file, the rename, and the tests pass on it.
        var package = await rig.Repository.RemoteGitAsync("show", "refs/heads/ghbot/migrate-greeter-2.0.0:package.json");
        Assert.Contains("\"greeter\": \"file:vendor/greeter-2.0.0\"", package, StringComparison.Ordinal);
        var lockFile = await rig.Repository.RemoteGitAsync("show", "refs/heads/ghbot/migrate-greeter-2.0.0:package-lock.json");
        Assert.Contains("vendor/greeter-2.0.0", lockFile, StringComparison.Ordinal);
        Assert.DoesNotContain("vendor/greeter-1.0.0", lockFile, StringComparison.Ordinal);
        var (exit, output) = await RunTestsAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0");
        Assert.True(exit == 0, output);

        // One PR, labelled, with the report; the plan as a task list and the progress on the issue.
        var pr = Assert.Single(rig.GitHub.PullRequests);
        Assert.Equal(result.FinalPrUrl, pr["html_url"]!.GetValue<string>());
        Assert.Contains("Migration report", pr["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(MigrationTexts.Label, rig.GitHub.Labels(pr["number"]!.GetValue<int>()));
        var comments = rig.GitHub.CommentsOn(issue);
        var planComment = Assert.Single(comments, c => c.Body.Contains("migration plan", StringComparison.Ordinal));
        Assert.Contains("- [ ] **`4`** Note the upgrade in the changelog — after `2`, `3`", planComment.Body, StringComparison.Ordinal);
        var progress = Assert.Single(comments, c => c.Body.Contains(MigrationTexts.ProgressMarker, StringComparison.Ordinal));
        Assert.Contains("**Migrated:**", progress.Body, StringComparison.Ordinal);
        Assert.True(rig.WorkspacesEmpty);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_dotnet_project_takes_a_packages_next_major_with_the_bump_and_the_rename_in_one_tested_step()
    {
        using var rig = await RigAsync(temporal.Client, MigrationFixtures.DotNet());
        var chat = new RoleChatClient()
            .OnJson("migrator", null, Plan(Step("1", "Bump Greeter and call Salute", [.. MigrationFixtures.DotNetUsageFiles], [], [MigrationFixtures.DotNetOldApi])))
            .OnJson("coder", "Migration step 1:", Coder(
                "Calls Salute.",
                [.. MigrationFixtures.DotNetUsageFiles.Select(path => new { path, search = MigrationFixtures.DotNetOldApi, replace = MigrationFixtures.DotNetNewApi })]));
        using var worker = rig.Worker(chat);
        var input = Input(rig, Issue(rig)) with { MigrationType = "Greeter" };

        var result = await worker.ExecuteAsync(async () => await (await StartAsync(rig, input)).GetResultAsync());

        Assert.Equal("completed", result.Outcome);
        var step = Assert.Single(result.Steps);
        Assert.Equal(("done", 1), (step.State, step.Attempts));
        Assert.Contains("unit_tests: passed", step.Checks[0], StringComparison.Ordinal);
        Assert.Equal(2, result.Analysis!.FilesAffected);
        var project = await rig.Repository.RemoteGitAsync("show", "refs/heads/ghbot/migrate-greeter-2.0.0:src/App/App.csproj");
        Assert.Contains("<PackageReference Include=\"Greeter\" Version=\"2.0.0\" />", project, StringComparison.Ordinal);
        var (exit, output) = await RunTestsAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0", MigrationFixtures.DotNetTestCommand);
        Assert.True(exit == 0, output);
        Assert.Single(rig.GitHub.PullRequests);
    }

    [Fact]
    public async Task A_step_that_keeps_failing_is_rolled_back_its_dependents_skipped_and_the_independent_step_kept()
    {
        using var rig = await RigAsync(temporal.Client);
        var chat = DiamondAgents(BrokenTest(1), BrokenTest(2), BrokenTest(3));
        using var worker = rig.Worker(chat);
        var issue = Issue(rig);
        var input = Input(rig, issue);

        var result = await worker.ExecuteAsync(async () =>
        {
            var done = await (await StartAsync(rig, input)).GetResultAsync();
            await WriteHistoryAsync(rig, input.WorkflowId, "rolled-back");
            return done;
        });

        Assert.Equal("partial", result.Outcome);
        Assert.Equal(["done", "done", "rolled-back", "skipped"], result.Steps.Select(s => s.State));
        Assert.Equal(3, result.Steps[2].Attempts);
        Assert.Equal(["3"], result.FailedSteps);
        Assert.Contains("depends on step 3", result.Steps[3].Why, StringComparison.Ordinal);

        // Each fix attempt was told what failed: the real test runner's output.
        var fixes = chat.CallsTo("coder").Where(c => c.Task.StartsWith("# Migration step 3:", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, fixes.Count);
        Assert.All(fixes.Skip(1), f => Assert.Contains("The last attempt failed", f.Task, StringComparison.Ordinal));
        Assert.Contains("docs attempt 1", fixes[1].Task, StringComparison.Ordinal);

        // The PR carries 1 and 2 only; the report says what was not migrated and why.
        Assert.Equal(["1", "2"], await StepsOnAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0"));
        Assert.DoesNotContain("test/docs.test.js", await rig.Repository.RemoteGitAsync("ls-tree", "-r", "--name-only", "refs/heads/ghbot/migrate-greeter-2.0.0"), StringComparison.Ordinal);
        var body = Assert.Single(rig.GitHub.PullRequests)["body"]!.GetValue<string>();
        Assert.Contains("### Not migrated", body, StringComparison.Ordinal);
        Assert.Contains("rolled-back", body, StringComparison.Ordinal);
        Assert.Contains("skipped — depends on step 3, which was rolled back", body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Without_rollback_the_run_stops_at_the_failing_step_and_the_branch_keeps_the_steps_before_it()
    {
        using var rig = await RigAsync(temporal.Client);
        using var worker = rig.Worker(DiamondAgents(BrokenTest(1), BrokenTest(2), BrokenTest(3)));
        var issue = Issue(rig);
        var input = Input(rig, issue) with { AutoRollback = false };

        var result = await worker.ExecuteAsync(async () => await (await StartAsync(rig, input)).GetResultAsync());

        Assert.Equal("failed", result.Outcome);
        Assert.Equal(["done", "done", "failed", "not run"], result.Steps.Select(s => s.State));
        Assert.Null(result.FinalPrUrl);
        Assert.Empty(rig.GitHub.PullRequests);
        Assert.Equal(["1", "2"], await StepsOnAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0"));
        var report = Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("Migration report", StringComparison.Ordinal));
        Assert.Contains("**failed** — 2 of 4 steps migrated", report.Body, StringComparison.Ordinal);
        Assert.Contains("Stopped at step `3`", Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.Contains(MigrationTexts.ProgressMarker, StringComparison.Ordinal)).Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_cyclic_plan_is_refused_naming_the_cycle_before_anything_changes()
    {
        using var rig = await RigAsync(temporal.Client);
        var chat = new RoleChatClient().OnJson("migrator", null, Plan(
            Step("2", "Call salute in welcome", ["src/welcome.js"], ["3"]),
            Step("3", "Call salute in banner", ["src/banner.js"], ["2"])));
        using var worker = rig.Worker(chat);
        var issue = Issue(rig);

        var failure = await worker.ExecuteAsync(async () =>
            await Assert.ThrowsAsync<WorkflowFailedException>(async () => await (await StartAsync(rig, Input(rig, issue))).GetResultAsync()));

        var cause = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal("InvalidPlan", cause.ErrorType);
        Assert.Contains("2 → 3 → 2", cause.Message, StringComparison.Ordinal);
        Assert.Empty(chat.CallsTo("coder"));
        Assert.Equal(string.Empty, (await rig.Repository.RemoteGitAsync("branch", "--list", "ghbot/*")).Trim());
        Assert.Empty(rig.GitHub.PullRequests);
        Assert.Contains("2 → 3 → 2", Assert.Single(rig.GitHub.CommentsOn(issue)).Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_batch_migration_makes_one_commit_with_every_step()
    {
        using var rig = await RigAsync(temporal.Client);
        using var worker = rig.Worker(DiamondAgents());
        var input = Input(rig, Issue(rig)) with { Incremental = false };

        var result = await worker.ExecuteAsync(async () => await (await StartAsync(rig, input)).GetResultAsync());

        Assert.Equal("completed", result.Outcome);
        var log = await rig.Repository.RemoteGitAsync("log", "--format=%s", "main..refs/heads/ghbot/migrate-greeter-2.0.0");
        Assert.Equal("Migrate greeter from 1.0.0 to 2.0.0", log.Trim());
        Assert.Equal(["1,2,3,4"], await StepsOnAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0"));
        var (exit, output) = await RunTestsAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task A_dry_run_posts_the_plan_and_the_recipes_diff_and_changes_nothing()
    {
        using var rig = await RigAsync(temporal.Client);
        var chat = new RoleChatClient().OnJson("migrator", null, Diamond());
        using var worker = rig.Worker(chat);
        var issue = Issue(rig);
        var input = Input(rig, issue) with { DryRun = true };

        var result = await worker.ExecuteAsync(async () => await (await StartAsync(rig, input)).GetResultAsync());

        Assert.Equal("dry-run", result.Outcome);
        Assert.Equal(4, result.Plan!.Steps.Count);
        Assert.Equal(0, result.CompletedSteps);
        Assert.Empty(chat.CallsTo("coder"));
        Assert.Equal(string.Empty, (await rig.Repository.RemoteGitAsync("branch", "--list", "ghbot/*")).Trim());
        Assert.Empty(rig.GitHub.PullRequests);
        var plan = Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("migration plan", StringComparison.Ordinal)).Body;
        Assert.Contains("**Dry run:** nothing was changed", plan, StringComparison.Ordinal);
        Assert.Contains("+    \"greeter\": \"file:vendor/greeter-2.0.0\"", plan, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_lock_file_that_links_outside_the_repository_is_neither_read_nor_written()
    {
        using var secrets = new TempDirectory("ghbot-worker-secrets-");
        var secret = Path.Combine(secrets.Path, "environ");
        await File.WriteAllTextAsync(secret, "GitHub__PrivateKey=TOP-SECRET-VALUE\n");
        var files = new Dictionary<string, string>(MigrationFixtures.Node()) { [".npmrc"] = "dry-run=true\nscript-shell=/bin/false\n" };
        using var rig = await RigAsync(temporal.Client, files);
        await rig.Repository.LinkAsync("package-lock.json", secret);
        using var worker = rig.Worker(chat: null);
        var issue = Issue(rig);
        var input = Input(rig, issue) with { DryRun = true };

        var result = await worker.ExecuteAsync(async () => await (await StartAsync(rig, input)).GetResultAsync());

        Assert.Equal("dry-run", result.Outcome);
        var plan = Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.Contains("migration plan", StringComparison.Ordinal)).Body;
        Assert.DoesNotContain("TOP-SECRET-VALUE", plan, StringComparison.Ordinal);
        Assert.Contains("package-lock.json was not updated: it, or its package.json, is not a regular file.", plan, StringComparison.Ordinal);
        Assert.Contains("file:vendor/greeter-2.0.0", plan, StringComparison.Ordinal);
        Assert.Equal("GitHub__PrivateKey=TOP-SECRET-VALUE\n", await File.ReadAllTextAsync(secret));
    }

    [Fact]
    public async Task A_recipe_only_migration_needs_no_agent_and_rollback_afterwards_closes_its_pr()
    {
        using var rig = await RigAsync(temporal.Client);
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "write");
        using var worker = rig.Worker(chat: null);
        var issue = Issue(rig);
        var input = Input(rig, issue, to: "1.1.0");

        var (result, rollback) = await worker.ExecuteAsync(async () =>
        {
            var done = await (await StartAsync(rig, input)).GetResultAsync();
            var command = await PlanScenarios.CommandAsync(rig, issue, "maintainer", "/rollback");
            return (done, command);
        });

        Assert.Equal("completed", result.Outcome);
        var step = Assert.Single(result.Steps);
        Assert.Equal(("done", 1), (step.State, step.Attempts));
        Assert.Equal((0, 0L), (result.Usage.Calls, result.Usage.Tokens));
        var pr = Assert.Single(rig.GitHub.PullRequests);
        Assert.Equal(result.FinalPrUrl, pr["html_url"]!.GetValue<string>());

        // /rollback on the finished migration closes its PR and deletes its branch.
        Assert.Equal("done", Assert.Single(rollback.Outcomes).Outcome);
        Assert.Equal("closed", rig.GitHub.PullRequests[0]["state"]!.GetValue<string>());
        Assert.Equal(string.Empty, (await rig.Repository.RemoteGitAsync("branch", "--list", "ghbot/*")).Trim());
        Assert.Contains("Rolled back: closed", Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.StartsWith("@maintainer", StringComparison.Ordinal)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_of_a_merged_migration_opens_a_revert_pr_that_puts_main_back()
    {
        using var rig = await RigAsync(temporal.Client, migration: "auto_merge:\n  enabled: true\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "write");
        using var worker = rig.Worker(chat: null);
        var issue = Issue(rig);

        var (result, rollback, revert) = await worker.ExecuteAsync(async () =>
        {
            var done = await (await StartAsync(rig, Input(rig, issue, to: "1.1.0"))).GetResultAsync();
            var command = await PlanScenarios.CommandAsync(rig, issue, "maintainer", "/rollback");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (rig.GitHub.PullRequests.Count < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            var branch = rig.GitHub.PullRequests[^1]["head"]!["ref"]!.GetValue<string>();
            var change = await rig.Temporal.GetWorkflowHandle(Core.Common.WorkflowIds.ChangeRequest(GateRig.Owner, rig.Repo, branch)).GetResultAsync<Core.ChangeRequests.ChangeRequestResult>();
            return (done, command, change);
        });

        Assert.True(result.Merged);
        Assert.Equal("done", Assert.Single(rollback.Outcomes).Outcome);
        Assert.Equal("merged", revert.Outcome);
        Assert.StartsWith($"Revert the migration #{result.PullRequestNumber}", rig.GitHub.PullRequests[^1]["title"]!.GetValue<string>(), StringComparison.Ordinal);
        var package = await rig.Repository.RemoteGitAsync("show", "refs/heads/main:package.json");
        Assert.Contains("\"greeter\": \"file:vendor/greeter-1.0.0\"", package, StringComparison.Ordinal);
        Assert.Contains("Rolling back: a PR reverting", Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.StartsWith("@maintainer", StringComparison.Ordinal)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step_approval_keeps_an_approved_step_and_reverts_a_rejected_one()
    {
        using var rig = await RigAsync(temporal.Client);
        using var worker = rig.Worker(TwoStepAgents());
        var input = Input(rig, Issue(rig)) with { StepApproval = true };

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, input);
            await WaitForAsync(handle, s => s.WaitingForApproval && s.CurrentStep == "1");
            Assert.Equal(string.Empty, (await rig.Repository.RemoteGitAsync("branch", "--list", "ghbot/*")).Trim());
            await handle.SignalAsync(wf => wf.ApproveAsync(new StepDecision(true, "maintainer") { Step = "1" }));
            await WaitForAsync(handle, s => s.WaitingForApproval && s.CurrentStep == "2");
            // An answer for a step that is not the one waiting is ignored.
            await handle.SignalAsync(wf => wf.RejectAsync(new StepDecision(false, "maintainer", "late") { Step = "1" }));
            await handle.SignalAsync(wf => wf.RejectAsync(new StepDecision(false, "maintainer", "not now") { Step = "2" }));
            return await handle.GetResultAsync();
        });

        Assert.Equal(["done", "rejected"], result.Steps.Select(s => s.State));
        Assert.Contains("not now", result.Steps[1].Why, StringComparison.Ordinal);
        Assert.Equal(["1"], await StepsOnAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0"));
        Assert.Single(rig.GitHub.PullRequests);
    }

    [Fact]
    public async Task A_pause_survives_a_worker_restart_and_resume_finishes_the_migration()
    {
        using var rig = await RigAsync(temporal.Client);
        var input = Input(rig, Issue(rig));
        WorkflowHandle<CodeMigration.CodeMigrationWorkflow, CodeMigrationResult> handle;
        var first = DiamondAgents();
        first.Delay = TimeSpan.FromMilliseconds(300);
        using (var worker = rig.Worker(first))
        {
            handle = await worker.ExecuteAsync(async () =>
            {
                var started = await StartAsync(rig, input);
                await WaitForAsync(started, s => s.CurrentStep == "2");
                await started.SignalAsync(wf => wf.PauseAsync("maintainer"));
                await WaitForAsync(started, s => s.Paused && s.Stage == "paused");

                // The status says paused as soon as the workflow is; the progress comment says so once its activity ran.
                var deadline = DateTime.UtcNow.AddMinutes(2);
                while (!rig.GitHub.CommentsOn(input.IssueNumber!.Value).Any(c => c.Body.Contains(MigrationTexts.ProgressMarker, StringComparison.Ordinal) && c.Body.Contains("**Paused** by @maintainer", StringComparison.Ordinal))
                    && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }

                return started;
            });
        }

        // The worker is gone: the migration waits in Temporal, paused, with what it did so far.
        var second = new RoleChatClient().OnJson("coder", "Migration step 4:", Changelog());
        using var restarted = rig.Worker(second);
        var result = await restarted.ExecuteAsync(async () =>
        {
            var status = await handle.QueryAsync(wf => wf.Status);
            Assert.True(status.Paused);
            Assert.Equal(2, status.CompletedSteps);
            Assert.Contains("**Paused** by @maintainer", Assert.Single(rig.GitHub.CommentsOn(input.IssueNumber!.Value), c => c.Body.Contains(MigrationTexts.ProgressMarker, StringComparison.Ordinal)).Body, StringComparison.Ordinal);
            await handle.SignalAsync(wf => wf.ResumeAsync("maintainer"));
            return await handle.GetResultAsync();
        });

        Assert.Equal("completed", result.Outcome);
        Assert.Equal(["1", "2", "3", "4"], await StepsOnAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0"));

        // Step 3 was written beside step 2 before the pause and kept in the run's history: only step 4 is asked now.
        Assert.StartsWith("# Migration step 4:", Assert.Single(second.CallsTo("coder")).Task, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_stops_the_migration_and_deletes_the_branch_it_pushed()
    {
        using var rig = await RigAsync(temporal.Client);
        using var worker = rig.Worker(TwoStepAgents());
        var input = Input(rig, Issue(rig)) with { StepApproval = true };

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, input);
            await WaitForAsync(handle, s => s.WaitingForApproval && s.CurrentStep == "1");
            await handle.SignalAsync(wf => wf.ApproveAsync(new StepDecision(true, "maintainer") { Step = "1" }));
            await WaitForAsync(handle, s => s.WaitingForApproval && s.CurrentStep == "2");
            Assert.Equal(["1"], await StepsOnAsync(rig.Repository, "ghbot/migrate-greeter-2.0.0"));
            await handle.SignalAsync(wf => wf.CancelAsync("Cancelled by @maintainer with /cancel."));
            return await handle.GetResultAsync();
        });

        Assert.Equal("cancelled", result.Outcome);
        Assert.Equal(["done", "stopped"], result.Steps.Select(s => s.State));
        Assert.Equal(string.Empty, (await rig.Repository.RemoteGitAsync("branch", "--list", "ghbot/*")).Trim());
        Assert.Empty(rig.GitHub.PullRequests);
    }

    [Fact]
    public async Task Migrate_from_a_reader_is_refused_and_from_a_writer_starts_the_migration_of_the_issue()
    {
        using var rig = await RigAsync(temporal.Client);
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "reader", "read").ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "write");
        using var worker = rig.Worker(new RoleChatClient().OnJson("migrator", null, Diamond()));
        var issue = Issue(rig);
        var id = $"migration/{GateRig.Owner}/{rig.Repo}/greeter/2.0.0";

        var (refused, started, status) = await worker.ExecuteAsync(async () =>
        {
            var byReader = await PlanScenarios.CommandAsync(rig, issue, "reader", "/migrate greeter 1.0.0 2.0.0 --dry-run");
            await Assert.ThrowsAsync<RpcException>(() => rig.Temporal.GetWorkflowHandle(id).DescribeAsync());
            var byWriter = await PlanScenarios.CommandAsync(rig, issue, "maintainer", "/migrate greeter 1.0.0 2.0.0 --dry-run");
            await rig.Temporal.GetWorkflowHandle(id).GetResultAsync<CodeMigrationResult>();
            return (byReader, byWriter, await PlanScenarios.CommandAsync(rig, issue, "maintainer", "/status"));
        });

        Assert.Equal("refused", Assert.Single(refused.Outcomes).Outcome);
        Assert.Equal(("done", id), (Assert.Single(started.Outcomes).Outcome, started.Outcomes[0].WorkflowId));
        Assert.Equal(("done", id), (Assert.Single(status.Outcomes).Outcome, status.Outcomes[0].WorkflowId));
        var replies = rig.GitHub.CommentsOn(issue).Select(c => c.Body).ToList();
        Assert.Contains(replies, r => r.StartsWith("@reader", StringComparison.Ordinal) && r.Contains("write", StringComparison.Ordinal));
        Assert.Contains(replies, r => r.Contains($"Migration `{id}` (ended): dry-run, 0/4 steps", StringComparison.Ordinal));
        Assert.Contains(replies, r => r.Contains("**Dry run:** nothing was changed", StringComparison.Ordinal));
    }

    private static async Task WaitForAsync(WorkflowHandle<CodeMigration.CodeMigrationWorkflow, CodeMigrationResult> handle, Func<CodeMigrationStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        CodeMigrationStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = await handle.QueryAsync(wf => wf.Status);
            if (condition(status))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The migration never got there; it is at {JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(status))}");
    }
}

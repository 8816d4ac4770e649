using GitHubBot.Core.Commands;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.Commands;
using GitHubBot.Workflows.QualityGate;
using Temporalio.Client;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Slash commands and check-run buttons against a real Temporal server and real gates, GitHub faked over HTTP: who may
/// do what, which workflow each command reaches, and what the PR shows (reactions, replies, labels).
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class CommandWorkflowTests(TemporalServerFixture temporal)
{
    private const long CommentId = 9911;

    [Fact]
    public async Task A_writers_gate_command_runs_the_gate_on_the_prs_head_with_eyes_then_thumbs_up_and_no_reply()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, sha, "feature", rig.Repository.CloneUrl)
            .ExpectPermission(GateRig.Owner, rig.Repo, "octocat", "write");
        using var worker = rig.Worker();

        var (result, gate) = await worker.ExecuteAsync(async () =>
        {
            var outcome = await RunAsync(rig, "octocat", "/retest");
            var started = await temporal.Client.GetWorkflowHandle(outcome.Outcomes[0].WorkflowId!).GetResultAsync<QualityGateResult>();
            return (outcome, started);
        });

        Assert.Equal(("gate", "done"), (result.Outcomes[0].Command, result.Outcomes[0].Outcome));
        Assert.True(gate.CanMerge);
        Assert.Equal(sha, (string?)rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo)[0]["head_sha"]);
        Assert.Equal([(CommentId, "eyes"), (CommentId, "+1")], rig.GitHub.Reactions);
        Assert.DoesNotContain(rig.GitHub.CommentsOn(7), c => !c.Body.Contains(Core.QualityGate.GateComment.Marker, StringComparison.Ordinal));
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Theory]
    [InlineData("read")]
    [InlineData("triage")]
    [InlineData("none")]
    public async Task Without_write_permission_a_command_is_refused_politely_and_nothing_runs(string permission)
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "visitor", permission);
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(() => RunAsync(rig, "visitor", "/fix"));

        Assert.Equal("refused", Assert.Single(result.Outcomes).Outcome);
        var reply = Assert.Single(rig.GitHub.CommentsOn(7));
        Assert.StartsWith("@visitor", reply.Body, StringComparison.Ordinal);
        Assert.Contains($"Sorry, `/fix` needs write permission on {GateRig.Owner}/{rig.Repo}, and you have {permission}", reply.Body, StringComparison.Ordinal);
        Assert.Empty(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo));
        Assert.Empty(rig.GitHub.Reactions);
    }

    [Fact]
    public async Task Several_commands_in_one_comment_each_get_their_answer_and_the_repository_can_lower_a_commands_permission()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }", extra: "commands:\n  status: read\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "reader", "read");
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(() => RunAsync(rig, "reader", "/status\n/help\n/frobnicate\n/plan", isPullRequest: false));

        Assert.Equal(["done", "done", "unknown", "refused"], result.Outcomes.Select(o => o.Outcome));

        // One reply answers them all, the command list included once.
        var reply = Assert.Single(rig.GitHub.CommentsOn(7)).Body;
        Assert.StartsWith("@reader", reply, StringComparison.Ordinal);
        Assert.Contains("has run nothing on #7 yet", reply, StringComparison.Ordinal);
        Assert.Contains("does not know `/frobnicate`", reply, StringComparison.Ordinal);
        Assert.Contains("`/plan` needs write permission", reply, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(reply, @"\| `/ok-to-test` \|"));
        Assert.Equal([(CommentId, "eyes"), (CommentId, "+1")], rig.GitHub.Reactions);
        Assert.Single(rig.GitHub.RequestsTo("GET", $"/repos/{GateRig.Owner}/{rig.Repo}/collaborators/reader/permission"));
    }

    [Fact]
    public async Task A_reply_that_reached_github_but_whose_answer_was_lost_is_not_posted_again_by_the_retry()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        rig.GitHub.LoseCommentAnswers(1);
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(() => RunAsync(rig, "writer", "/help", isPullRequest: false));

        // The first post made the comment but answered 502: Temporal retried the reply, which found it.
        Assert.Equal("done", Assert.Single(result.Outcomes).Outcome);
        Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/issues/7/comments"));
        Assert.NotEmpty(rig.GitHub.RequestsTo("GET", $"/repos/{GateRig.Owner}/{rig.Repo}/issues/7/comments"));
        var reply = Assert.Single(rig.GitHub.CommentsOn(7)).Body;
        Assert.Contains("| `/ok-to-test` |", reply, StringComparison.Ordinal);
        Assert.Matches("\n\n<!-- ghbot:key comment-[0-9a-f]{24} -->$", reply);
    }

    [Fact]
    public async Task Status_on_a_running_gate_shows_its_checks_and_cancel_ends_it()
    {
        var marker = GateWorkflowTests.Marker();
        using var rig = await RigAsync($"unit_tests: {{ run: \"sleep 300 {marker}\" }}\n    linting: {{ run: \"true\" }}");
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "maintainer", "maintain");
        using var worker = rig.Worker();

        var (status, cancel, gate) = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(sha));
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Checks.Any(c => c.State == "passed"));
            var statusResult = await RunAsync(rig, "maintainer", "/status", commentId: 1);
            var cancelResult = await RunAsync(rig, "maintainer", "/cancel", commentId: 2);
            return (statusResult, cancelResult, await handle.GetResultAsync());
        });

        Assert.Equal("done", status.Outcomes[0].Outcome);
        var reply = rig.GitHub.CommentsOn(7).Single(c => c.Body.Contains("**Quality gate**", StringComparison.Ordinal));
        Assert.Contains("running, running checks, 1/2 checks done", reply.Body, StringComparison.Ordinal);
        Assert.Contains("- unit tests: running", reply.Body, StringComparison.Ordinal);
        Assert.Contains("(http://temporal-ui.test/namespaces/default/workflows/", reply.Body, StringComparison.Ordinal);
        Assert.Equal("done", cancel.Outcomes[0].Outcome);
        Assert.Equal("cancelled", gate.Conclusion);
        Assert.Equal(["Cancelled by @maintainer with /cancel."], gate.BlockingIssues);
        await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count == 0);
    }

    [Fact]
    public async Task A_fork_pr_is_labelled_and_waits_until_ok_to_test_from_a_writer_not_from_a_reader_even_when_a_writer_asked_for_the_gate()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, sha, "feature", rig.Repository.CloneUrl, fromFork: true)
            .ExpectPermission(GateRig.Owner, rig.Repo, "reader", "read")
            .ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        using var worker = rig.Worker();

        var (byReader, byWriter, gate, labelsWhileWaiting) = await worker.ExecuteAsync(async () =>
        {
            // A writer's /gate on a fork's PR is no /ok-to-test: the gate still waits.
            var asked = await RunAsync(rig, "writer", "/gate", commentId: 1);
            var handle = temporal.Client.GetWorkflowHandle<QualityGateWorkflow>(asked.Outcomes[0].WorkflowId!);
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).WaitingForOkToTest);
            await GateWorkflowTests.WaitUntilAsync(() => Task.FromResult(rig.GitHub.Labels(7).Count > 0));
            var labels = rig.GitHub.Labels(7);
            var reader = await RunAsync(rig, "reader", "/ok-to-test", commentId: 2);
            Assert.True((await handle.QueryAsync(wf => wf.Status)).WaitingForOkToTest, "a reader's /ok-to-test released the gate");
            var writer = await RunAsync(rig, "writer", "/ok-to-test", commentId: 3);
            return (reader, writer, await handle.GetResultAsync<QualityGateResult>(), labels);
        });

        Assert.Equal([GateLabels.NeedsOkToTest], labelsWhileWaiting);
        Assert.Equal("refused", byReader.Outcomes[0].Outcome);
        Assert.Equal("done", byWriter.Outcomes[0].Outcome);
        Assert.True(gate.CanMerge);
        Assert.Empty(rig.GitHub.Labels(7));
    }

    [Fact]
    public async Task Ok_to_test_vouches_only_for_the_prs_current_head()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        var reviewed = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        var pushedLater = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "2\n" });
        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, pushedLater, "feature", rig.Repository.CloneUrl, fromFork: true)
            .ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        using var worker = rig.Worker();

        var (answer, status) = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(reviewed) with { FromFork = true, AuthorAssociation = "CONTRIBUTOR", Trigger = "check_suite.rerequested" });
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).WaitingForOkToTest);
            var result = await RunAsync(rig, "writer", "/ok-to-test");
            var after = await handle.QueryAsync(wf => wf.Status);
            await handle.SignalAsync(wf => wf.CancelAsync(new CancelGate("test over")));
            return (result, after);
        });

        Assert.Equal("nothing-to-do", answer.Outcomes[0].Outcome);
        Assert.True(status.WaitingForOkToTest);
        Assert.Contains($"`{pushedLater[..7]}` is waiting", Assert.Single(rig.GitHub.CommentsOn(7), c => c.Body.StartsWith("@writer", StringComparison.Ordinal)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ok_to_test_does_not_release_a_gate_started_after_the_comment_but_ok_to_test_sha_releases_exactly_that_commit()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, sha, "feature", rig.Repository.CloneUrl, fromFork: true)
            .ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        using var worker = rig.Worker();
        var writtenBeforeThePush = DateTimeOffset.UtcNow.AddMinutes(-5);

        var (late, pinned, gate) = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(sha) with { FromFork = true, AuthorAssociation = "CONTRIBUTOR" });
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).WaitingForOkToTest);
            var stale = await RunAsync(rig, "writer", "/ok-to-test", commentId: 11, createdAt: writtenBeforeThePush);
            Assert.True((await handle.QueryAsync(wf => wf.Status)).WaitingForOkToTest, "a comment written before the push released its gate");
            var exact = await RunAsync(rig, "writer", $"/ok-to-test {sha[..10]}", commentId: 12, createdAt: writtenBeforeThePush);
            return (stale, exact, await handle.GetResultAsync());
        });

        Assert.Equal("nothing-to-do", late.Outcomes[0].Outcome);
        Assert.Contains(rig.GitHub.CommentsOn(7), c => c.Body.Contains("started after this comment was written", StringComparison.Ordinal));
        Assert.Equal("done", pinned.Outcomes[0].Outcome);
        Assert.True(gate.CanMerge);
    }

    [Fact]
    public async Task Gate_and_fix_in_one_comment_start_a_gate_each_and_a_writers_button_click_runs_on_the_clicked_commit()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        var clicked = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        var newest = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "2\n" });
        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, newest, "feature", rig.Repository.CloneUrl)
            .ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        using var worker = rig.Worker();
        var click = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = 7,
            IsPullRequest = true,
            Author = "writer",
            HeadSha = clicked,
            Commands = [new SlashCommand("gate", [], "button rerun", true)],
        };

        var (both, button) = await worker.ExecuteAsync(async () =>
        {
            var comment = await RunAsync(rig, "writer", "/gate\n/fix");
            var clickResult = await temporal.Client.ExecuteWorkflowAsync(
                (CommandWorkflow wf) => wf.RunAsync(click),
                new WorkflowOptions($"command/{GateRig.Owner}/{rig.Repo}/button-{Guid.NewGuid():N}", rig.TaskQueue));
            foreach (var id in comment.Outcomes.Concat(clickResult.Outcomes).Select(o => o.WorkflowId!))
            {
                await temporal.Client.GetWorkflowHandle(id).GetResultAsync<QualityGateResult>();
            }

            return (comment, clickResult);
        });

        Assert.Equal(["done", "done"], both.Outcomes.Select(o => o.Outcome));
        Assert.NotEqual(both.Outcomes[0].WorkflowId, both.Outcomes[1].WorkflowId);
        Assert.Equal("done", Assert.Single(button.Outcomes).Outcome);
        Assert.StartsWith($"gate/{GateRig.Owner}/{rig.Repo}/7/{clicked}/rerun-", button.Outcomes[0].WorkflowId, StringComparison.Ordinal);
        var summaries = rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).Where(c => (string?)c["name"] == "GitHubBot / quality gate").Select(c => (string?)c["head_sha"]).ToList();
        Assert.Equal(new[] { clicked, newest, newest }.Order(StringComparer.Ordinal), summaries.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_repository_can_raise_a_commands_permission_and_permissions_are_asked_once_a_minute()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }", extra: "commands:\n  cancel: maintain\n  retest: admin\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        using var worker = rig.Worker();

        var (first, second) = await worker.ExecuteAsync(async () => (await RunAsync(rig, "writer", "/cancel", commentId: 1), await RunAsync(rig, "writer", "/gate\n/status", commentId: 2)));

        Assert.Equal("refused", first.Outcomes[0].Outcome);
        Assert.Contains("`/cancel` needs maintain permission", rig.GitHub.CommentsOn(7)[0].Body, StringComparison.Ordinal);
        Assert.Equal(["refused", "done"], second.Outcomes.Select(o => o.Outcome));
        Assert.Contains("`/gate` needs admin permission", rig.GitHub.CommentsOn(7)[1].Body, StringComparison.Ordinal);
        Assert.Single(rig.GitHub.RequestsTo("GET", $"/repos/{GateRig.Owner}/{rig.Repo}/collaborators/writer/permission"));
    }

    [Fact]
    public async Task A_button_click_is_checked_like_a_command_and_a_reader_cannot_apply_fixes()
    {
        using var rig = await RigAsync("linting: { run: \"false\", fix: \"true\" }");
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "passer-by", "read");
        using var worker = rig.Worker();

        var click = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = 7,
            IsPullRequest = true,
            Author = "passer-by",
            HeadSha = sha,
            Commands = [new SlashCommand("fix", [], "button apply-fixes", true)],
        };
        var result = await worker.ExecuteAsync(() => temporal.Client.ExecuteWorkflowAsync(
            (CommandWorkflow wf) => wf.RunAsync(click),
            new WorkflowOptions($"command/{GateRig.Owner}/{rig.Repo}/button-{Guid.NewGuid():N}", rig.TaskQueue)));

        Assert.Equal("refused", Assert.Single(result.Outcomes).Outcome);
        Assert.StartsWith("@passer-by\n\nSorry, `/fix` needs write permission", Assert.Single(rig.GitHub.CommentsOn(7)).Body, StringComparison.Ordinal);
        Assert.Empty(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo));
    }

    [Fact]
    public async Task Pause_with_nothing_to_pause_and_migrate_without_its_versions_say_so()
    {
        using var rig = await RigAsync("unit_tests: { run: \"true\" }");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "owner", "admin");
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(() => RunAsync(rig, "owner", "/pause\n/migrate dotnet 8", isPullRequest: false));

        Assert.Equal(["nothing-to-do", "refused"], result.Outcomes.Select(o => o.Outcome));
        var reply = Assert.Single(rig.GitHub.CommentsOn(7)).Body;
        Assert.Contains("Nothing of GitHubBot's is running on #7.", reply, StringComparison.Ordinal);
        Assert.Contains("`/migrate` needs what to migrate, from which version and to which.", reply, StringComparison.Ordinal);
        Assert.Equal([(CommentId, "eyes")], rig.GitHub.Reactions);
    }

    private async Task<GateRig> RigAsync(string checks, string extra = "")
    {
        var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        rig.WithConfig($"{extra}quality_gate:\n  checks:\n    {checks}\n");
        return rig;
    }

    private Task<CommandResult> RunAsync(GateRig rig, string author, string body, bool isPullRequest = true, long commentId = CommentId, DateTimeOffset? createdAt = null)
    {
        var input = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = 7,
            IsPullRequest = isPullRequest,
            CommentId = commentId,
            CommentCreatedAt = createdAt,
            Author = author,
            Commands = SlashCommands.Parse(body),
        };
        return temporal.Client.ExecuteWorkflowAsync(
            (CommandWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions($"command/{GateRig.Owner}/{rig.Repo}/comment-{commentId}-{Guid.NewGuid():N}", rig.TaskQueue));
    }
}

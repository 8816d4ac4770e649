using System.Text.Json.Nodes;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Core.Workspaces;
using GitHubBot.Testing;
using GitHubBot.Workflows.ChangeRequests;
using Temporalio.Client;
using Temporalio.Exceptions;
using static GitHubBot.Workflows.Tests.PlanScenarios;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// The change pipeline on its own, as incident hotfixes and migrations will use it: a real Temporal server, a real
/// bare repository as the remote, the quality gate running the fixture's real tests, GitHub faked over HTTP.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class ChangeRequestWorkflowTests(TemporalServerFixture temporal)
{
    private const string MulFix = "mul() { echo $(( $1 * $2 )); }\n# more operations go here";

    [Fact]
    public async Task A_change_started_on_its_own_becomes_a_labelled_pr_that_passes_the_real_tests_and_is_merged()
    {
        using var rig = await RigAsync();
        using var worker = rig.Worker();
        var input = await InputAsync(rig, "ghbot/hotfix-mul", MulFix) with
        {
            PullRequest = new PullRequestSpec("Hotfix: multiply", "Fixes the outage.") { Labels = ["ghbot:hotfix"] },
            Merge = new MergePolicy { Auto = true, Method = "squash" },
        };

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, input);
            var done = await handle.GetResultAsync();
            Assert.Equal("done", (await handle.QueryAsync(wf => wf.Status)).Stage);
            return done;
        });

        Assert.Equal("merged", result.Outcome);
        Assert.True(result.Merged);
        Assert.Equal(100, result.Gate!.OverallScore);
        var pr = result.PullRequest!;
        Assert.Contains("ghbot:hotfix", rig.GitHub.Labels(pr.Number));
        var opened = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls")).Body!)!;
        Assert.Equal(("ghbot/hotfix-mul", "main", true), (opened["head"]!.GetValue<string>(), opened["base"]!.GetValue<string>(), opened["draft"]!.GetValue<bool>()));
        var merge = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("PUT", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls/{pr.Number}/merge")).Body!)!;
        Assert.Equal(("squash", result.HeadSha, $"Hotfix: multiply (#{pr.Number})"), (merge["merge_method"]!.GetValue<string>(), merge["sha"]!.GetValue<string>(), merge["commit_title"]!.GetValue<string>()));
        Assert.Equal(["done", "done", "done", "done"], result.Status.Steps.Select(s => s.State));
        Assert.True(result.Status.Kept);
        var (exit, output) = await RunTestsAsync(rig.Repository, "main");
        Assert.True(exit == 0, output);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_branch_it_did_not_push_is_never_deleted_and_the_failure_says_why()
    {
        using var rig = await RigAsync();
        using var worker = rig.Worker();

        // Another run (or a person) already has its work on the branch this change was given.
        var theirs = await rig.Repository.CommitAsync("ghbot/issue-7-aaaaaaaa", new Dictionary<string, string> { ["notes.txt"] = "theirs\n" });
        var input = await InputAsync(rig, "ghbot/issue-7-aaaaaaaa", MulFix);

        var failure = await worker.ExecuteAsync(async () => await Assert.ThrowsAsync<WorkflowFailedException>(async () => await (await StartAsync(rig, input)).GetResultAsync()));

        var cause = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal("BranchMoved", cause.ErrorType);
        Assert.Contains("nothing was pushed", cause.Message, StringComparison.Ordinal);
        var status = cause.Details.ElementAt<ChangeRequestStatus>(0);
        Assert.Empty(status.Undone);
        Assert.Equal(theirs, await rig.Repository.HeadOfAsync("ghbot/issue-7-aaaaaaaa"));
        Assert.Empty(rig.GitHub.RequestsTo("DELETE", $"/repos/{GateRig.Owner}/{rig.Repo}/git/refs/heads/ghbot/issue-7-aaaaaaaa"));
        Assert.Empty(rig.GitHub.PullRequests);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Cancel_during_the_gate_closes_the_pr_deletes_the_branch_it_pushed_and_says_so()
    {
        using var rig = await RigAsync("quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 120\" }\n");
        using var worker = rig.Worker();
        var input = await InputAsync(rig, "ghbot/migration-step", MulFix);

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await StartAsync(rig, input);
            await GateWorkflowTests.WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Stage == "quality gate"
                && rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).Any(r => r["status"]?.GetValue<string>() == "in_progress"));
            await handle.SignalAsync(wf => wf.CancelAsync("Rolled back by the migration."));
            return await handle.GetResultAsync();
        });

        Assert.Equal("cancelled", result.Outcome);
        var pr = Assert.Single(rig.GitHub.PullRequests);
        Assert.Equal("closed", pr["state"]!.GetValue<string>());
        Assert.DoesNotContain("ghbot/migration-step", await rig.Repository.RemoteGitAsync("branch", "--list"), StringComparison.Ordinal);
        Assert.Equal([$"closed #{pr["number"]!.GetValue<int>()}", "deleted the branch `ghbot/migration-step`"], result.Status.Undone);
        Assert.StartsWith("Rolled back by the migration. GitHubBot closed #", result.Explanation, StringComparison.Ordinal);
        Assert.Equal(("undone", "undone"), (result.Status.Steps[0].State, result.Status.Steps[1].State));
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_branch_that_exists_at_an_older_commit_is_not_fast_forwarded_and_a_cancel_leaves_it_alone()
    {
        using var rig = await RigAsync();
        using var worker = rig.Worker();

        // Someone's branch at the base commit: a plain fast-forward push would take it over.
        var base_ = await rig.Repository.HeadOfAsync("main");
        await rig.Repository.RemoteGitAsync("update-ref", "refs/heads/ghbot/feature-x", base_);
        var input = await InputAsync(rig, "ghbot/feature-x", MulFix);

        var failure = await worker.ExecuteAsync(async () => await Assert.ThrowsAsync<WorkflowFailedException>(async () => await (await StartAsync(rig, input)).GetResultAsync()));

        Assert.Equal("BranchMoved", Assert.IsType<ApplicationFailureException>(failure.InnerException).ErrorType);
        Assert.Equal(base_, await rig.Repository.HeadOfAsync("ghbot/feature-x"));
        Assert.Empty(rig.GitHub.RequestsTo("DELETE", $"/repos/{GateRig.Owner}/{rig.Repo}/git/refs/heads/ghbot/feature-x"));
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Theory]
    [InlineData("main", "o")]
    [InlineData("feature", "o")]
    [InlineData("ghbot/ok-branch", "someone-else")]
    public async Task A_forged_input_is_refused_before_anything_is_pushed(string branch, string baseOwner)
    {
        using var rig = await RigAsync();
        using var worker = rig.Worker();
        var input = await InputAsync(rig, branch, MulFix);
        if (baseOwner != "o")
        {
            input = input with { Base = input.Base with { Target = new RepositoryTarget(baseOwner, "elsewhere", 1) } };
        }

        var branches = await rig.Repository.RemoteGitAsync("branch", "--list", "-v");

        var failure = await worker.ExecuteAsync(async () => await Assert.ThrowsAsync<WorkflowFailedException>(async () => await (await StartAsync(rig, input)).GetResultAsync()));

        Assert.Equal("InvalidInput", Assert.IsType<ApplicationFailureException>(failure.InnerException).ErrorType);
        Assert.Empty(rig.GitHub.PullRequests);
        Assert.Equal(branches, await rig.Repository.RemoteGitAsync("branch", "--list", "-v"));
    }

    private async Task<GateRig> RigAsync(string config = Config)
    {
        var rig = await GateRig.CreateAsync(temporal.Client, Calc);
        rig.WithConfig(config);
        rig.GitHub.ExpectPlan(GateRig.Owner, rig.Repo, GateRig.Token, rig.Repository);
        return rig;
    }

    /// <summary>One commit that adds mul to calc.sh and its test, on the remote's main.</summary>
    private static async Task<ChangeRequestInput> InputAsync(GateRig rig, string branch, string replacement)
    {
        var target = new RepositoryTarget(GateRig.Owner, rig.Repo, 1);
        var patch = new Patch(
            "Add mul",
            [
                new FileEdit("calc.sh", "# more operations go here", replacement),
                new FileEdit("more_tests.sh", Content: "check \"mul 2 3\" \"$(mul 2 3)\" 6\n"),
            ],
            DateTimeOffset.UnixEpoch.AddYears(56));
        return new ChangeRequestInput
        {
            Target = target,
            Base = new RepoSnapshot(target, rig.Repository.CloneUrl, await rig.Repository.HeadOfAsync("main")),
            BaseBranch = "main",
            Branch = branch,
            Commits = [patch],
            PullRequest = new PullRequestSpec("Add mul", "Multiplies."),
            Gate = new GatePolicy { Trigger = "test" },
        };
    }

    private static Task<WorkflowHandle<ChangeRequestWorkflow, ChangeRequestResult>> StartAsync(GateRig rig, ChangeRequestInput input) =>
        rig.Temporal.StartWorkflowAsync(
            (ChangeRequestWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(WorkflowIds.ChangeRequest(input.Target.Owner, input.Target.Repo, $"{input.Branch}-{Guid.NewGuid():N}"), rig.TaskQueue));
}

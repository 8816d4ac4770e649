using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;

namespace GitHubBot.App.Tests;

/// <summary>
/// A re-run vouches for no one: a rerequested check suite of a fork's PR is judged as its pull_request delivery would
/// be, from the PR as GitHub reports it. Intake and worker in one host, GitHub faked over HTTP.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class RerunTrustTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_rerequested_suite_of_a_forks_pr_by_a_non_member_waits_for_ok_to_test_and_runs_nothing_of_it()
    {
        using var github = new GitHubFake();
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("changes", new Dictionary<string, string> { ["evil.sh"] = "touch /tmp/pwned\n" });
        var (payload, repo) = RerequestedSuiteOfAFork(sha);
        github.ExpectGate("Codertocat", repo, 957387, "ghs_rerun")
            .ExpectPullRequest("Codertocat", repo, 2, sha, "changes", remote.CloneUrl, fromFork: true, authorAssociation: "NONE")
            .RespondFile("Codertocat", repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"sh evil.sh\" }\n");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), github);

        using var response = await bot.Webhooks.PostAsync("check_suite", payload);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var gate = temporal.Client.GetWorkflowHandle<QualityGateWorkflow>((await temporal.Client.StartedAsync((await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!)).Id);
        await UntilAsync(async () => (await gate.QueryAsync(wf => wf.Status)).WaitingForOkToTest);
        await UntilAsync(() => Task.FromResult(github.Labels(2).Count > 0));

        Assert.Equal([GateLabels.NeedsOkToTest], github.Labels(2));
        var created = Assert.Single(github.CheckRunsCreated("Codertocat", repo));
        Assert.Equal("neutral", (string?)created["conclusion"]);
        Assert.Contains("first-time contributor", (string?)created["output"]?["summary"], StringComparison.Ordinal);
        Assert.DoesNotContain(github.CheckRunsCreated("Codertocat", repo), run => (string?)run["status"] == "in_progress");
        Assert.True(WorkspaceRoot.AreEmpty(bot.WorkspaceRoot), "the fork's code was checked out");
        await gate.SignalAsync(wf => wf.CancelAsync(new CancelGate("test over")));
        await gate.GetResultAsync();
        github.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_rerequested_suite_of_a_members_fork_pr_runs_as_its_pull_request_delivery_would()
    {
        using var github = new GitHubFake();
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("changes", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        var (payload, repo) = RerequestedSuiteOfAFork(sha);
        github.ExpectGate("Codertocat", repo, 957387, "ghs_rerun")
            .ExpectPullRequest("Codertocat", repo, 2, sha, "changes", remote.CloneUrl, fromFork: true, authorAssociation: "MEMBER")
            .RespondFile("Codertocat", repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"test -f feature.txt\" }\n");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), github);

        using var response = await bot.Webhooks.PostAsync("check_suite", payload);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var result = await (await temporal.Client.StartedAsync((await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!)).GetResultAsync<QualityGateResult>();

        Assert.True(result.CanMerge, string.Join("; ", result.BlockingIssues));
        Assert.Empty(github.Labels(2));
        Assert.Contains(github.CheckRunsCreated("Codertocat", repo), run => (string?)run["name"] == "GitHubBot / unit tests" && (string?)run["conclusion"] == "success");
        github.AssertNoUnexpectedRequests();
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the condition did not hold within 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>The real check_suite.rerequested payload in a repository of its own, its PR #2 coming from a fork, at <paramref name="sha"/>.</summary>
    private static (JsonObject Payload, string Repo) RerequestedSuiteOfAFork(string sha)
    {
        var payload = Payloads.InOwnRepository("check_suite.rerequested.json", out var repo);
        var suite = payload["check_suite"]!;
        suite["head_sha"] = sha;
        suite["head_branch"] = "changes";
        var pr = suite["pull_requests"]![0]!;
        pr["head"]!["sha"] = sha;
        pr["head"]!["ref"] = "changes";
        pr["head"]!["repo"]!["id"] = 424242;
        pr["head"]!["repo"]!["name"] = "fork-of-hello-world";
        return (payload, repo);
    }
}

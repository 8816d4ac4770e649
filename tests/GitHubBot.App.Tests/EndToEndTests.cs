using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Commands;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>A signed delivery in, a check run out: web intake and worker in one host, GitHub faked over HTTP.</summary>
[Collection(TemporalCollection.Name)]
public sealed class EndToEndTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_pull_request_opened_is_checked_on_its_head_as_the_installation_and_reported_back()
    {
        using var github = new GitHubFake();
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("changes", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo).WithHead(remote, sha, "changes");
        github.ExpectGate("Codertocat", repo, 1, "ghs_e2e", 31337)
            .RespondFile("Codertocat", repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"test -f feature.txt\" }\n");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), github,
            new Dictionary<string, string?> { ["Temporal:UiUrl"] = "http://temporal-ui.example/" });

        using var response = await bot.Webhooks.PostAsync("pull_request", payload, deliveryId: "e2e-delivery");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var workflowId = (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!;
        var result = await (await temporal.Client.StartedAsync(workflowId)).GetResultAsync<QualityGateResult>();

        var create = github.RequestsTo("POST", $"/repos/Codertocat/{repo}/check-runs")[0];
        var body = JsonNode.Parse(create.Body!)!;
        Assert.Equal("GitHubBot / quality gate", (string?)body["name"]);
        Assert.Equal(sha, (string?)body["head_sha"]);
        Assert.Equal("in_progress", (string?)body["status"]);
        Assert.StartsWith("http://temporal-ui.example/namespaces/default/workflows/", (string?)body["details_url"], StringComparison.Ordinal);
        Assert.Equal("Bearer ghs_e2e", create.Headers!["Authorization"].Single());
        var tokenRequests = github.RequestsTo("POST", "/app/installations/1/access_tokens");
        Assert.All(tokenRequests, r => Assert.StartsWith("Bearer ey", r.Headers!["Authorization"].Single(), StringComparison.Ordinal));
        Assert.Empty(github.JwtProblems);

        // Each token was minted for this repository alone (or the organization's .github, for its configuration), with
        // the permissions of one step: nothing that could push, merge or touch CI workflows on a gate that pushes nothing.
        Assert.Empty(github.TokenProblems);
        Assert.Equal(tokenRequests.Count, github.TokenRequests.Count);
        Assert.All(github.TokenRequests, t => Assert.Contains(t.Repository, new[] { repo, ".github" }));
        Assert.DoesNotContain(github.TokenRequests, t => t.Permissions.Any(p => p.Value == "write" && p.Key is "contents" or "workflows" or "administration"));
        Assert.Contains(github.TokenRequests, t => t.Repository == repo && t.Permissions.Count == 2 && t.Permissions.GetValueOrDefault("checks") == "write");
        Assert.Equal(31337, result.CheckRunId);
        Assert.True(result.CanMerge, string.Join("; ", result.BlockingIssues));
        Assert.Equal("success", (string?)github.CheckRunUpdates("Codertocat", repo, 31337)[^1]["conclusion"]);
        Assert.Contains(github.CheckRunsCreated("Codertocat", repo), run => (string?)run["name"] == "GitHubBot / unit tests" && (string?)run["conclusion"] == "success");
        Assert.Single(github.CommentsOn(2));
        Assert.True(WorkspaceRoot.AreEmpty(bot.WorkspaceRoot), "the gate's workspace was removed");
        github.AssertNoUnexpectedRequests();

        // Secrets stay out of the logs, at every level, and out of the workflow's history.
        var keyBody = github.PrivateKeyPem.Split('\n')[1];
        bool Leaks(string text) => text.Contains("ghs_e2e", StringComparison.Ordinal)
            || text.Contains(BotHost.Secret, StringComparison.Ordinal)
            || text.Contains(keyBody, StringComparison.Ordinal)
            || text.Contains("Bearer ey", StringComparison.Ordinal);
        Assert.Contains(bot.Logs.Entries, line => line.StartsWith("Trace", StringComparison.Ordinal) || line.StartsWith("Debug", StringComparison.Ordinal));
        Assert.DoesNotContain(bot.Logs.Entries, Leaks);
        var history = Decoded((await temporal.Client.GetWorkflowHandle(workflowId).FetchHistoryAsync()).ToJson());
        Assert.Contains("GitHubBot / quality gate", history, StringComparison.Ordinal);
        Assert.False(Leaks(history), "the workflow history holds a secret");
    }

    [Fact]
    public async Task A_comment_with_commands_is_answered_by_the_bot_and_an_edited_one_is_not()
    {
        using var github = new GitHubFake();
        var payload = Payloads.InOwnRepository("issue_comment.created.pull_request.json", out var repo);
        payload["repository"]!["owner"]!["login"] = "Codertocat";
        payload["installation"] = new JsonObject { ["id"] = 1, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        payload["comment"]!["body"] = "Thanks!\n/help";
        github.ExpectGate("Codertocat", repo, 1, "ghs_cmd");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), github);

        using var response = await bot.Webhooks.PostAsync("issue_comment", payload);
        using var edited = await bot.Webhooks.PostAsync("issue_comment", payload.DeepClone().AsObject().WithAction("edited"));

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        Assert.True(edited.StatusCode == HttpStatusCode.OK, await edited.Content.ReadAsStringAsync());
        var workflowId = (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!;
        Assert.Equal($"command/Codertocat/{repo}/comment-546616131", workflowId);
        var result = await (await temporal.Client.StartedAsync(workflowId)).GetResultAsync<CommandResult>();
        Assert.Equal("done", Assert.Single(result.Outcomes).Outcome);
        Assert.Contains("| `/gate` |", Assert.Single(github.CommentsOn(3)).Body, StringComparison.Ordinal);
        github.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_labelled_issue_becomes_a_merged_pr_through_agents_behind_an_openai_compatible_endpoint()
    {
        using var github = new GitHubFake();
        using var llm = new LocalOpenAi();
        using var remote = await FixtureRepository.CreateAsync(MultiplyPlan.Files);
        var (payload, repo) = MultiplyPlan.Arrange(github, llm, remote, "ghs_plan");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), github, new Dictionary<string, string?>
        {
            ["Agents:Provider"] = "openai",
            ["Agents:Endpoint"] = llm.Endpoint.ToString(),
            ["Agents:Model"] = "local-model",
            ["Agents:ApiKey"] = "local-key",
        });

        using var response = await bot.Webhooks.PostAsync("issues", payload);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var command = await (await temporal.Client.StartedAsync((await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!)).GetResultAsync<CommandResult>();
        var planId = Assert.Single(command.Outcomes).WorkflowId!;
        var result = await temporal.Client.GetWorkflowHandle(planId).GetResultAsync<PlanPatchPrResult>();

        Assert.Equal($"plan/Codertocat/{repo}/{payload["issue"]!["number"]}", planId);
        Assert.True(result.Merged, result.Explanation);
        Assert.Equal(result.HeadSha, await remote.HeadOfAsync("main"));
        Assert.Contains("mul()", await remote.RemoteGitAsync("show", "main:calc.sh"), StringComparison.Ordinal);
        Assert.Equal(4, llm.Requests.Count);
        Assert.All(llm.Requests, e => Assert.Equal("Bearer local-key", e.RequestMessage.Headers!["Authorization"].Single()));
        Assert.True(WorkspaceRoot.AreEmpty(bot.WorkspaceRoot), "the gate's workspace was removed");
        github.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_worker_with_an_unreadable_private_key_fails_at_start_up_naming_the_setting()
    {
        using var github = new GitHubFake();

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => BotHost.StartAsync(
            temporal.Address,
            TemporalServerFixture.NewTaskQueue(),
            github,
            new Dictionary<string, string?> { ["GitHub:PrivateKey"] = "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----" }));

        Assert.Contains("GitHub:PrivateKey", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bm90IGEga2V5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_with_an_unknown_llm_provider_fails_at_start_up_naming_the_setting()
    {
        using var github = new GitHubFake();

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => BotHost.StartAsync(
            temporal.Address,
            TemporalServerFixture.NewTaskQueue(),
            github,
            new Dictionary<string, string?> { ["Agents:Provider"] = "bard", ["Agents:Model"] = "m" }));

        Assert.Contains("Agents:Provider must be openai or anthropic", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The history's JSON with every base64 payload decoded beside it, so payload text can be searched.</summary>
    private static string Decoded(string historyJson) =>
        historyJson + string.Concat(System.Text.RegularExpressions.Regex.Matches(historyJson, "\"data\":\\s*\"([A-Za-z0-9+/=]+)\"")
            .Select(m => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value))));
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using GitHubBot.App.Inbox;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Common;
using GitHubBot.Testing;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.App.Tests;

/// <summary>The webhook endpoint over real HTTP, starting workflows on a real Temporal dev server (workers off).</summary>
[Collection(TemporalCollection.Name)]
public sealed class WebhookIntakeTests(TemporalServerFixture temporal) : IAsyncLifetime
{
    private const string Sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    private readonly string taskQueue = TemporalServerFixture.NewTaskQueue();
    private BotHost bot = null!;

    public async Task InitializeAsync() => bot = await BotHost.StartAsync(temporal.Address, taskQueue);

    public async Task DisposeAsync() => await bot.DisposeAsync();

    [Fact]
    public async Task Every_fixture_posted_byte_for_byte_gets_the_answer_its_route_promises()
    {
        var expectations = new Dictionary<string, HttpStatusCode>
        {
            ["pull_request.opened.json"] = HttpStatusCode.Accepted,
            ["pull_request.reopened.json"] = HttpStatusCode.Accepted,
            ["pull_request.synchronize.json"] = HttpStatusCode.Accepted,
            ["check_suite.rerequested.json"] = HttpStatusCode.Accepted,
            ["issue_comment.created.pull_request.json"] = HttpStatusCode.Accepted,
            ["issues.labeled.json"] = HttpStatusCode.Accepted,
            ["code_scanning_alert.created.json"] = HttpStatusCode.Accepted,
            ["dependabot_alert.created.json"] = HttpStatusCode.Accepted,
            ["secret_scanning_alert.reopened.json"] = HttpStatusCode.Accepted,
        };

        foreach (var file in Directory.GetFiles(RepositoryPaths.GitHubWebhookFixtures, "*.json").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal))
        {
            using var response = await bot.Webhooks.PostFixtureAsync(file, deliveryId: $"fixture-{file}");
            var expected = expectations.GetValueOrDefault(file, HttpStatusCode.OK);
            Assert.True(expected == response.StatusCode, $"{file}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var gate = await DescribeAsync(WorkflowIds.QualityGate("Codertocat", "Hello-World", 2, Sha));
        Assert.Equal(WorkflowTypes.QualityGate, gate.WorkflowType);
        Assert.Equal(taskQueue, gate.TaskQueue);
        Assert.Equal("fixture-pull_request.opened.json", await gate.Memo["deliveryId"].ToValueAsync<string>());
        var rerun = await DescribeAsync(WorkflowIds.QualityGateRerun("Codertocat", "Hello-World", 2, Sha, "suite-118578147-1557933674"));
        Assert.Equal(WorkflowTypes.QualityGate, rerun.WorkflowType);
    }

    [Fact]
    public async Task A_pull_request_opened_is_answered_202_once_its_workflow_exists()
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);

        using var response = await bot.Webhooks.PostAsync("pull_request", payload, deliveryId: "delivery-opened");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<WebhookAnswer>();
        var id = WorkflowIds.QualityGate("Codertocat", repo, 2, Sha);
        Assert.Equal(id, answer!.WorkflowId);
        var description = await DescribeAsync(id);
        Assert.Equal(WorkflowExecutionStatus.Running, description.Status);
        Assert.Equal("delivery-opened", await description.Memo["deliveryId"].ToValueAsync<string>());

        // what `ghbot list --repo Codertocat/{repo} --type gate` filters by
        Assert.Equal($"Codertocat/{repo}", description.TypedSearchAttributes.Get(GhbotSearchAttributes.Repository));
        Assert.Equal(2, description.TypedSearchAttributes.Get(GhbotSearchAttributes.Number));
        Assert.Equal("gate", description.TypedSearchAttributes.Get(GhbotSearchAttributes.Kind));
    }

    [Theory]
    [InlineData("inbox")]
    [InlineData("direct")]
    public async Task The_same_delivery_posted_twenty_times_at_once_makes_exactly_one_workflow(string mode)
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        await using var direct = mode == "direct" ? await BotHost.StartAsync(temporal.Address, taskQueue, extra: new Dictionary<string, string?> { ["Intake:Mode"] = "direct" }) : null;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => (direct ?? bot).Webhooks.PostAsync("pull_request", body, deliveryId: "same-delivery")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var answers = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<WebhookAnswer>())!));
        var id = WorkflowIds.QualityGate("Codertocat", repo, 2, Sha);
        Assert.All(answers, a => Assert.Equal(id, a.WorkflowId));
        var run = Assert.Single(answers.Select(a => a.RunId).Distinct());
        var description = await DescribeAsync(id);
        if (direct is not null)
        {
            Assert.Equal(description.RunId, run); // direct: each answer names the run Temporal started or found
        }
        else
        {
            Assert.Null(run); // inbox: answered once on disk, before the run exists
            Assert.Equal(1, Journal(bot).Count(entry => entry.WorkflowId == id)); // one entry: the other 19 found its key
        }

        Assert.Equal(1, await CountRunsAsync(id));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Two_deliveries_of_the_same_pull_request_head_share_one_workflow()
    {
        var opened = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var synchronize = WebhookSender.Load("pull_request.synchronize.json");
        synchronize["repository"] = opened["repository"]!.DeepClone();

        using var first = await bot.Webhooks.PostAsync("pull_request", opened, deliveryId: "first");
        using var second = await bot.Webhooks.PostAsync("pull_request", synchronize, deliveryId: "second");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var id = WorkflowIds.QualityGate("Codertocat", repo, 2, Sha);
        Assert.Equal(1, await CountRunsAsync(id));
        Assert.Equal("first", await (await DescribeAsync(id)).Memo["deliveryId"].ToValueAsync<string>());
    }

    [Theory]
    [InlineData("inbox", "already in the inbox")]
    [InlineData("direct", "already handled")]
    public async Task A_redelivery_after_the_workflow_finished_does_not_start_it_again(string mode, string reason)
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var id = WorkflowIds.QualityGate("Codertocat", repo, 2, Sha);
        await using var direct = mode == "direct" ? await BotHost.StartAsync(temporal.Address, taskQueue, extra: new Dictionary<string, string?> { ["Intake:Mode"] = "direct" }) : null;
        using (var first = await (direct ?? bot).Webhooks.PostAsync("pull_request", payload, deliveryId: "original"))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        await (await temporal.Client.StartedAsync(id)).TerminateAsync("finished for the test");
        using var again = await (direct ?? bot).Webhooks.PostAsync("pull_request", payload, deliveryId: "original");

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var answer = await again.Content.ReadFromJsonAsync<WebhookAnswer>();
        Assert.Equal(id, answer!.WorkflowId);
        Assert.Contains(reason, answer.Reason, StringComparison.Ordinal);
        Assert.Equal(1, await CountRunsAsync(id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha1=abc")]
    public async Task A_missing_or_wrong_signature_is_401_and_starts_nothing(string signature)
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);

        using var response = await bot.Webhooks.PostAsync("pull_request", Encoding.UTF8.GetBytes(payload.ToJsonString()), signature: signature);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Hub-Signature-256", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNoWorkflowAsync(WorkflowIds.QualityGate("Codertocat", repo, 2, Sha));
    }

    [Fact]
    public async Task A_body_signed_with_another_secret_is_401()
    {
        var body = File.ReadAllBytes(RepositoryPaths.GitHubWebhookFixture("pull_request.opened.json"));

        using var response = await bot.Webhooks.PostAsync("pull_request", body, signature: WebhookSender.Sign("not-the-secret", body));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"action\":\"opened\", ", "malformed JSON")]
    [InlineData("", "empty body")]
    [InlineData("   ", "malformed JSON")]
    [InlineData("{}", "has no action")]
    [InlineData("{\"action\":\"\\ud800\"}", "malformed JSON")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"number\":2,\"head\":{\"sha\":\"\\udc00\",\"ref\":\"b\"}}}", "does not match its schema")]
    [InlineData("{\"action\":\"opened\",\"action\":\"closed\",\"pull_request\":{\"number\":2,\"head\":{\"sha\":\"a\",\"ref\":\"b\"}}}", "names its action more than once")]
    [InlineData("{\"action\":\"opened\"} {}", "malformed JSON")]
    [InlineData("{\"action\":\"closed\", \"pull_request\": [}", "malformed JSON")]
    [InlineData("{\"action\":\"opened\", \"pull_request\": {\"number\": 2, \"title\": \"unterminated}}", "malformed JSON")]
    [InlineData("{\"action\":\"opened\"}", "pull_request.head.sha and pull_request.head.ref are required")]
    [InlineData("[\"action\", \"opened\"]", "not a JSON object")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"number\":\"two\"}}", "the pull_request.opened payload does not match its schema")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"number\":2,\"head\":{\"sha\":\"a\",\"ref\":\"b\"}},\"repository\":{\"updated_at\":true}}", "does not match its schema")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"number\":99999999999,\"head\":{\"sha\":\"a\",\"ref\":\"b\"}}}", "pull_request.number is required")]
    public async Task A_malformed_body_is_400_with_the_reason(string body, string reason)
    {
        using var response = await bot.Webhooks.PostAsync("pull_request", Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pull_request_payload_without_its_head_is_400_naming_it()
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        payload["pull_request"]!.AsObject().Remove("head");

        using var response = await bot.Webhooks.PostAsync("pull_request", payload);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("head", (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.Reason, StringComparison.Ordinal);
        await AssertNoWorkflowAsync(WorkflowIds.QualityGate("Codertocat", repo, 2, Sha));
    }

    [Fact]
    public async Task Missing_event_header_or_a_form_body_is_400_with_the_reason()
    {
        var body = File.ReadAllBytes(RepositoryPaths.GitHubWebhookFixture("pull_request.opened.json"));

        using var noEvent = await bot.Webhooks.PostAsync(string.Empty, body);
        using var form = await bot.Webhooks.PostAsync("pull_request", body, contentType: "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.BadRequest, noEvent.StatusCode);
        Assert.Contains("X-GitHub-Event", await noEvent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.Contains("application/json", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ping", "ping.json")]
    [InlineData("push", "push.json")]
    [InlineData("some_future_event", "ping.json")]
    public async Task Ping_and_unhandled_events_are_200(string eventName, string fixture)
    {
        using var response = await bot.Webhooks.PostAsync(eventName, File.ReadAllBytes(RepositoryPaths.GitHubWebhookFixture(fixture)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ignored", (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.Outcome);
    }

    [Fact]
    public async Task The_guard_also_covers_the_path_with_a_trailing_slash()
    {
        var trailing = new WebhookSender(bot.Http, BotHost.Secret, "/api/github/webhooks/");
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);

        using var unsigned = await trailing.PostAsync("pull_request", Encoding.UTF8.GetBytes(payload.ToJsonString()), signature: string.Empty);
        using var signed = await trailing.PostAsync("pull_request", payload);

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, signed.StatusCode);
        Assert.Equal(WorkflowIds.QualityGate("Codertocat", repo, 2, Sha), (await signed.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId);
    }

    [Fact]
    public async Task A_new_action_of_a_routed_event_is_not_handled_rather_than_rejected()
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo).WithAction("some_action_github_adds_later");

        using var response = await bot.Webhooks.PostAsync("pull_request", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ignored", (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.Outcome);
        await AssertNoWorkflowAsync(WorkflowIds.QualityGate("Codertocat", repo, 2, Sha));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    public async Task A_body_that_is_not_an_object_is_400(string body)
    {
        using var response = await bot.Webhooks.PostAsync("pull_request", Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_count_deliveries_by_event_and_outcome()
    {
        // Series no test running in parallel touches: the registry is process-wide.
        var accepted = "ghbot_webhook_deliveries_total{event=\"pull_request.reopened\",outcome=\"accepted\"}";
        var rejected = "ghbot_webhook_rejections_total{reason=\"bad_signature\"}";
        var before = await MetricsAsync();
        var payload = Payloads.InOwnRepository("pull_request.reopened.json", out _);

        using (await bot.Webhooks.PostAsync("pull_request", payload))
        using (await bot.Webhooks.PostAsync("metrics_probe", Encoding.UTF8.GetBytes(payload.ToJsonString()), signature: "sha256=00"))
        {
        }

        var after = await MetricsAsync();
        Assert.Equal(Value(before, accepted) + 1, Value(after, accepted));
        Assert.Equal(Value(before, rejected) + 1, Value(after, rejected));
        Assert.Contains("ghbot_workflow_start_seconds_count", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Before_the_signature_is_checked_no_header_value_becomes_a_metric_label()
    {
        var probe = $"probe_{Guid.NewGuid():N}";
        var body = Encoding.UTF8.GetBytes("{\"action\":\"opened\"}");

        for (var i = 0; i < 20; i++)
        {
            using (await bot.Webhooks.PostAsync($"{probe}_{i}", body, deliveryId: $"{probe}-delivery-{i}", signature: i % 2 == 0 ? string.Empty : "sha256=00"))
            {
            }
        }

        var metrics = await MetricsAsync();
        Assert.DoesNotContain(probe, metrics, StringComparison.Ordinal);
        Assert.Contains("ghbot_webhook_rejections_total{reason=\"unsigned\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("ghbot_webhook_deliveries_total{event=\"unverified\",outcome=\"rejected\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_githubs_25_mb_is_413_whether_it_says_its_length_or_not_and_starts_nothing()
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var padded = payload.ToJsonString()[..^1] + ",\"padding\":\"" + new string('x', WebhookIntakeMiddleware.MaxBodyBytes) + "\"}";
        var body = Encoding.UTF8.GetBytes(padded);

        // Signed correctly: the size alone refuses it.
        using var declared = await bot.Webhooks.PostAsync("pull_request", body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/github/webhooks", UriKind.Relative)) { Content = new StreamContent(new MemoryStream(body)) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-GitHub-Event", "pull_request");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-Hub-Signature-256", WebhookSender.Sign(BotHost.Secret, body));
        using var chunked = await bot.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Contains("25 MB", await chunked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNoWorkflowAsync(WorkflowIds.QualityGate("Codertocat", repo, 2, Sha));
    }

    [Fact]
    public async Task A_delivery_over_a_megabyte_waits_for_its_signature_in_a_private_file_and_is_accepted_when_signed()
    {
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var padded = payload.ToJsonString()[..^1] + ",\"padding\":\"" + new string('x', 3 * WebhookIntakeMiddleware.InMemoryBodyBytes) + "\"}";
        var body = Encoding.UTF8.GetBytes(padded);

        using var forged = await bot.Webhooks.PostAsync("pull_request", body, signature: WebhookSender.Sign("not-the-secret", body));
        using var signed = await bot.Webhooks.PostAsync("pull_request", body);

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.True(signed.StatusCode == HttpStatusCode.Accepted, await signed.Content.ReadAsStringAsync());
        Assert.Equal(WorkflowTypes.QualityGate, (await DescribeAsync(WorkflowIds.QualityGate("Codertocat", repo, 2, Sha))).WorkflowType);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "ghbot-delivery-*"));
    }

    [Fact]
    public async Task A_signature_that_cannot_be_an_hmac_is_refused_before_the_body_is_read()
    {
        var before = Value(await MetricsAsync(), "ghbot_webhook_rejections_total{reason=\"bad_signature\"}");

        // 20 MB promised and none sent: an answer proves the body was not waited for.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(bot.Http.BaseAddress!.Host, bot.Http.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/github/webhooks HTTP/1.1\r\nHost: {bot.Http.BaseAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n" +
            $"X-GitHub-Event: pull_request\r\nX-GitHub-Delivery: d\r\nX-Hub-Signature-256: sha256={new string('g', 64)}\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.StartsWith("HTTP/1.1 401", statusLine, StringComparison.Ordinal);
        Assert.Equal(before + 1, Value(await MetricsAsync(), "ghbot_webhook_rejections_total{reason=\"bad_signature\"}"));
    }

    private async Task<string> MetricsAsync() => await bot.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    private static double Value(string metrics, string series) =>
        metrics.Split('\n').Where(line => line.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .SingleOrDefault();

    [Fact]
    public async Task Health_is_reported()
    {
        using var response = await bot.Http.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The workflow's description once the inbox's drainer has started it (NotFound after 30 s).</summary>
    private async Task<WorkflowExecutionDescription> DescribeAsync(string workflowId) =>
        await (await temporal.Client.StartedAsync(workflowId)).DescribeAsync();

    private Task<int> CountRunsAsync(string workflowId) => temporal.Client.CountRunsAsync(workflowId);

    /// <summary>Every entry of the host's inbox journal.</summary>
    private static IReadOnlyList<InboxEntry> Journal(BotHost host)
    {
        using var connection = host.Services.GetRequiredService<DeliveryInbox>().Read();
        return InboxJournal.List(connection, null, 100_000);
    }

    private async Task AssertNoWorkflowAsync(string workflowId)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => temporal.Client.GetWorkflowHandle(workflowId).DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }
}

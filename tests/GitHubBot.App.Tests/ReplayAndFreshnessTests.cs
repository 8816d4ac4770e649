using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>
/// Trust decisions cannot be replayed: a captured signed body sent again under new X-GitHub-Delivery IDs finds the
/// work it started, and a delivery of an action with side effects older than Intake:FreshnessWindow is refused.
/// Over real HTTP, against a real Temporal dev server (workers off).
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class ReplayAndFreshnessTests(TemporalServerFixture temporal)
{
    /// <summary>The four actions with side effects: a re-run, a button, a label, a command (event, fixture).</summary>
    public static TheoryData<string, string> SideEffects => new()
    {
        { "check_suite", "check_suite.rerequested.json" },
        { "check_run", "check_run.requested_action.json" },
        { "issues", "issues.labeled.json" },
        { "issue_comment", "issue_comment.created.pull_request.json" },
    };

    [Theory]
    [MemberData(nameof(SideEffects))]
    public async Task A_captured_signed_body_replayed_with_new_delivery_ids_starts_no_new_work(string eventName, string fixture)
    {
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue());
        var body = Encoding.UTF8.GetBytes(Fresh(eventName, fixture, TimeSpan.FromMinutes(5)).ToJsonString());

        using var original = await bot.Webhooks.PostAsync(eventName, body, deliveryId: Guid.NewGuid().ToString());
        var replays = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            replays.Add(await bot.Webhooks.PostAsync(eventName, body, deliveryId: Guid.NewGuid().ToString()));
        }

        Assert.True(original.StatusCode == HttpStatusCode.Accepted, await original.Content.ReadAsStringAsync());
        var id = (await original.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!;
        foreach (var replay in replays)
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId);
            replay.Dispose();
        }

        Assert.Equal(1, await CountRunsAsync(id));

        // Once the first run has finished, a replay is not started again either.
        await temporal.Client.GetWorkflowHandle(id).TerminateAsync("finished for the test");
        using var late = await bot.Webhooks.PostAsync(eventName, body, deliveryId: Guid.NewGuid().ToString());
        // "already in the inbox" (its key is known there) or, in direct mode, "already handled" (Temporal's answer)
        Assert.Contains("already", (await late.Content.ReadFromJsonAsync<WebhookAnswer>())!.Reason, StringComparison.Ordinal);
        Assert.Equal(1, await CountRunsAsync(id));
    }

    [Theory]
    [MemberData(nameof(SideEffects))]
    public async Task With_the_default_window_an_action_older_than_six_hours_is_refused_as_stale_and_a_younger_one_is_accepted(string eventName, string fixture)
    {
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        await using var bot = await BotHost.StartAsync(temporal.Address, taskQueue, extra: new Dictionary<string, string?> { ["Intake:FreshnessWindow"] = null });
        var stale = Fresh(eventName, fixture, TimeSpan.FromHours(7));
        var young = Fresh(eventName, fixture, TimeSpan.FromHours(5));
        var before = await StaleCountAsync(bot);

        using var refused = await bot.Webhooks.PostAsync(eventName, stale);
        var startedByTheStaleOne = await CountOnAsync(taskQueue, expectAny: false);
        using var accepted = await bot.Webhooks.PostAsync(eventName, young);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var answer = (await refused.Content.ReadFromJsonAsync<WebhookAnswer>())!;
        Assert.Equal("rejected", answer.Outcome);
        Assert.Contains("stale", answer.Reason, StringComparison.Ordinal);
        Assert.Contains("6 h freshness window", answer.Reason, StringComparison.Ordinal);
        Assert.Null(answer.WorkflowId);
        Assert.Contains(bot.Logs.Entries, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("stale", StringComparison.Ordinal));
        Assert.Equal(before + 1, await StaleCountAsync(bot));
        Assert.Equal(0, startedByTheStaleOne);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        Assert.Equal(1, await CountOnAsync(taskQueue, expectAny: true));
    }

    [Fact]
    public async Task A_byte_identical_copy_is_answered_from_memory_only_while_it_is_fresh()
    {
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["Intake:FreshnessWindow"] = "00:00:04" });
        var body = Encoding.UTF8.GetBytes(Fresh("issues", "issues.labeled.json", TimeSpan.FromSeconds(1)).ToJsonString());

        using var first = await bot.Webhooks.PostAsync("issues", body, deliveryId: "first");
        using var copy = await bot.Webhooks.PostAsync("issues", body, deliveryId: "copy");

        Assert.True(first.StatusCode == HttpStatusCode.Accepted, await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, copy.StatusCode);
        var answer = (await copy.Content.ReadFromJsonAsync<WebhookAnswer>())!;
        Assert.StartsWith("already in the inbox", answer.Reason, StringComparison.Ordinal);
        Assert.Equal((await first.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId, answer.WorkflowId);
        Assert.Contains(bot.Logs.Entries, line => line.Contains("delivery copy is a copy of a body already in the inbox", StringComparison.Ordinal));

        // The same bytes once the window has passed: refused as stale, memory or not.
        await Task.Delay(TimeSpan.FromSeconds(4));
        using var late = await bot.Webhooks.PostAsync("issues", body, deliveryId: "late");
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Contains("stale", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_window_is_a_setting_and_deliveries_without_side_effects_are_not_judged_by_age()
    {
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["Intake:FreshnessWindow"] = "00:30:00" });

        using var comment = await bot.Webhooks.PostAsync("issue_comment", Fresh("issue_comment", "issue_comment.created.pull_request.json", TimeSpan.FromHours(1)));
        using var pullRequest = await bot.Webhooks.PostAsync("pull_request", Payloads.InOwnRepository("pull_request.opened.json", out _));

        Assert.Equal(HttpStatusCode.BadRequest, comment.StatusCode);
        Assert.Contains("0.5 h freshness window", await comment.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A PR head's gate is keyed by the head itself: a years-old pull_request delivery is found or started by its key.
        Assert.Equal(HttpStatusCode.Accepted, pullRequest.StatusCode);
    }

    [Fact]
    public async Task A_side_effect_body_with_no_time_at_all_is_refused()
    {
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["Intake:FreshnessWindow"] = null });
        var payload = Fresh("issues", "issues.labeled.json", TimeSpan.Zero);
        payload["issue"]!.AsObject().Remove("updated_at");
        payload["repository"]!.AsObject().Remove("updated_at");
        payload["repository"]!.AsObject().Remove("pushed_at");

        using var response = await bot.Webhooks.PostAsync("issues", payload);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("carries no time", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_window_that_is_not_positive_stops_the_host_naming_the_setting()
    {
        var ex = await Assert.ThrowsAsync<GitHubBot.App.Hosting.SettingException>(() => BotHost.StartAsync(
            temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["Intake:FreshnessWindow"] = "00:00:00" }));

        Assert.Contains("Intake:FreshnessWindow", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The fixture in a repository of its own (so its keys belong to this test), every time in it (each "*_at" field)
    /// set to <paramref name="age"/> ago.
    /// </summary>
    private static JsonObject Fresh(string eventName, string fixture, TimeSpan age)
    {
        var payload = Payloads.InOwnRepository(fixture, out _);
        if (eventName == "check_run")
        {
            payload["requested_action"]!["identifier"] = "rerun";
        }

        var when = (DateTimeOffset.UtcNow - age).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        SetTimes(payload, when);
        return payload;
    }

    private static void SetTimes(JsonNode? node, string when)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (name.EndsWith("_at", StringComparison.Ordinal) && value is JsonValue text && text.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, out _))
                    {
                        obj[name] = when;
                    }
                    else
                    {
                        SetTimes(value, when);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    SetTimes(item, when);
                }

                break;
        }
    }

    private static async Task<double> StaleCountAsync(BotHost bot)
    {
        const string series = "ghbot_webhook_rejections_total{reason=\"stale\"}";
        var metrics = await bot.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return metrics.Split('\n').Where(line => line.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture))
            .SingleOrDefault();
    }

    /// <summary>Workflows on the host's task queue, as visibility shows them (it lags: waits for one to show when <paramref name="expectAny"/>).</summary>
    private async Task<int> CountOnAsync(string taskQueue, bool expectAny)
    {
        var query = $"TaskQueue = '{taskQueue}'";
        long count = 0;
        for (var attempt = 0; attempt < (expectAny ? 50 : 5) && count == 0; attempt++)
        {
            await Task.Delay(100);
            count = (await temporal.Client.CountWorkflowsAsync(query)).Count;
        }

        return (int)count;
    }

    private Task<int> CountRunsAsync(string workflowId) => temporal.Client.CountRunsAsync(workflowId);
}

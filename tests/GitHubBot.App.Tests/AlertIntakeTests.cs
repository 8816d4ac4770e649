using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Testing;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.App.Tests;

/// <summary>The alert endpoints over real HTTP, starting and signalling incidents on a real Temporal dev server (workers off).</summary>
[Collection(TemporalCollection.Name)]
public sealed class AlertIntakeTests(TemporalServerFixture temporal) : IAsyncLifetime
{
    private const string Token = "alert-token-for-tests";
    private readonly string taskQueue = TemporalServerFixture.NewTaskQueue();
    private BotHost bot = null!;

    public async Task InitializeAsync() => bot = await BotHost.StartAsync(temporal.Address, taskQueue, extra: new Dictionary<string, string?> { ["Alerts:Token"] = Token });

    public async Task DisposeAsync() => await bot.DisposeAsync();

    [Fact]
    public async Task Each_alert_of_an_alertmanager_group_is_its_own_incident_by_fingerprint()
    {
        using var response = await PostAsync("/api/alerts/alertmanager", Fixture("alertmanager.firing.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<AlertAnswer>())!;
        Assert.Equal("accepted", answer.Outcome);
        Assert.Equal(["incident/alertmanager/a1bc48475b20e73d", "incident/alertmanager/c2ea85182f28cbd9"], answer.Incidents!.Select(i => i.WorkflowId));
        foreach (var incident in answer.Incidents!)
        {
            var description = await temporal.Client.GetWorkflowHandle(incident.WorkflowId).DescribeAsync();
            Assert.Equal(WorkflowTypes.IncidentSwarm, description.WorkflowType);
            Assert.Equal(taskQueue, description.TaskQueue);
            Assert.Equal(description.RunId, incident.RunId);
        }

        var history = await temporal.Client.GetWorkflowHandle("incident/alertmanager/a1bc48475b20e73d").FetchHistoryAsync();
        var input = history.Events.First().WorkflowExecutionStartedEventAttributes.Input.Payloads_[0].Data.ToStringUtf8();
        Assert.Contains("High CPU Temperature", input, StringComparison.Ordinal);
        Assert.Contains("CPU core temperature is 34.75C", input, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grafanas_unified_alerting_webhook_opens_its_incident()
    {
        using var response = await PostAsync("/api/alerts/grafana", Fixture("grafana.firing.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var incident = Assert.Single((await response.Content.ReadFromJsonAsync<AlertAnswer>())!.Incidents!);
        Assert.Equal("incident/grafana/d8a21484c9c25a60", incident.WorkflowId);
        Assert.Equal(WorkflowTypes.IncidentSwarm, (await temporal.Client.GetWorkflowHandle(incident.WorkflowId).DescribeAsync()).WorkflowType);
    }

    [Fact]
    public async Task The_same_alert_ten_times_is_one_incident_that_counts_every_notification()
    {
        var id = $"disk-full-{Guid.NewGuid():N}";
        var runs = new HashSet<string?>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await PostAsync("/api/alerts", Generic(id));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            runs.Add(Assert.Single((await response.Content.ReadFromJsonAsync<AlertAnswer>())!.Incidents!).RunId);
        }

        Assert.Single(runs);
        var workflowId = WorkflowIds.Incident("generic", id);
        var executions = new List<WorkflowExecution>();
        await foreach (var execution in temporal.Client.ListWorkflowsAsync($"WorkflowId = '{workflowId}'"))
        {
            executions.Add(execution);
        }

        Assert.Single(executions);
        var history = await temporal.Client.GetWorkflowHandle(workflowId).FetchHistoryAsync();
        Assert.Equal(10, history.Events.Count(e => e.WorkflowExecutionSignaledEventAttributes is { SignalName: IncidentSignals.AlertFired }));
    }

    [Fact]
    public async Task A_resolved_alert_signals_its_incident_and_one_nothing_runs_for_is_acknowledged_without_starting_anything()
    {
        var id = $"latency-{Guid.NewGuid():N}";
        using (var firing = await PostAsync("/api/alerts", Generic(id)))
        {
            Assert.Equal(HttpStatusCode.Accepted, firing.StatusCode);
        }

        using var resolved = await PostAsync("/api/alerts", Generic(id, "resolved"));
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Equal("resolved", Assert.Single((await resolved.Content.ReadFromJsonAsync<AlertAnswer>())!.Incidents!).Status);
        var history = await temporal.Client.GetWorkflowHandle(WorkflowIds.Incident("generic", id)).FetchHistoryAsync();
        Assert.Single(history.Events, e => e.WorkflowExecutionSignaledEventAttributes is { SignalName: IncidentSignals.Resolved });

        var unknown = $"never-fired-{Guid.NewGuid():N}";
        using var orphan = await PostAsync("/api/alerts", Generic(unknown, "resolved"));
        Assert.Equal(HttpStatusCode.OK, orphan.StatusCode);
        Assert.Equal("no-incident", Assert.Single((await orphan.Content.ReadFromJsonAsync<AlertAnswer>())!.Incidents!).Status);
        await AssertNotStartedAsync(WorkflowIds.Incident("generic", unknown));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Basic " + Token)]
    [InlineData(Token)]
    public async Task A_missing_or_wrong_token_is_401_and_starts_nothing(string? authorization)
    {
        var id = $"unauthorised-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Content = new StringContent(Generic(id), Encoding.UTF8, "application/json") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await bot.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("bearer token", (await response.Content.ReadFromJsonAsync<AlertAnswer>())!.Reason, StringComparison.Ordinal);
        await AssertNotStartedAsync(WorkflowIds.Incident("generic", id));
    }

    [Fact]
    public async Task Without_a_configured_token_the_endpoints_say_what_to_set()
    {
        await using var open = await BotHost.StartAsync(temporal.Address, taskQueue);
        foreach (var path in new[] { "/api/alerts", "/api/alerts/alertmanager", "/api/alerts/grafana" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Fixture("alertmanager.firing.json"), Encoding.UTF8, "application/json") };
            using var response = await open.Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("Alerts:Token", (await response.Content.ReadFromJsonAsync<AlertAnswer>())!.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/api/alerts/alertmanager", "{not json", "not a JSON object")]
    [InlineData("/api/alerts/alertmanager", "{\"alerts\":{}}", "alerts must be an array")]
    [InlineData("/api/alerts/alertmanager", "{\"alerts\":[{\"status\":\"maybe\"}]}", "alerts[0].status must be firing or resolved")]
    [InlineData("/api/alerts", "{\"severity\":\"critical\"}", "id is required")]
    [InlineData("/api/alerts", "{\"id\":\"../../etc\"}", "id is required")]
    public async Task A_malformed_delivery_is_400_with_the_reason(string path, string body, string reason)
    {
        using var response = await PostAsync(path, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<AlertAnswer>())!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delivery_above_one_mebibyte_is_refused_unread()
    {
        var id = $"huge-{Guid.NewGuid():N}";
        var body = new JsonObject { ["id"] = id, ["message"] = new string('x', AlertLimits.MaxBodyBytes) }.ToJsonString();

        using var response = await PostAsync("/api/alerts", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNotStartedAsync(WorkflowIds.Incident("generic", id));
    }

    [Fact]
    public async Task A_github_security_alert_delivery_opens_an_incident_on_its_repository()
    {
        using var response = await bot.Webhooks.PostFixtureAsync("dependabot_alert.created.json", deliveryId: $"dependabot-{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var description = await temporal.Client.GetWorkflowHandle("incident/github/wolfy1339/pika-pack/dependabot/20").DescribeAsync();
        Assert.Equal(WorkflowTypes.IncidentSwarm, description.WorkflowType);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await bot.Http.SendAsync(request);
    }

    private async Task AssertNotStartedAsync(string workflowId)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => temporal.Client.GetWorkflowHandle(workflowId).DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.AlertFixtures, name));

    private static string Generic(string id, string status = "firing") =>
        new JsonObject
        {
            ["id"] = id,
            ["status"] = status,
            ["severity"] = "warning",
            ["service"] = "unmapped-service",
            ["message"] = "something is off",
            ["timestamp"] = "2026-12-01T10:00:00Z",
            ["metrics"] = new JsonObject { ["p99_ms"] = 1200 },
            ["logs"] = new JsonArray("WARN slow request"),
        }.ToJsonString();
}

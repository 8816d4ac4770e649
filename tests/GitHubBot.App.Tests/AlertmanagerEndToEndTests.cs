using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Testing;
using Temporalio.Client;

namespace GitHubBot.App.Tests;

/// <summary>
/// A real Prometheus scrapes a service's error ratio (served by the test) and evaluates a rule; a real Alertmanager
/// posts its webhook to the bot and is polled by the bot's monitor; the incident reads that same Prometheus, and its
/// diagnosers (behind an OpenAI-compatible endpoint) see the real series.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class AlertmanagerEndToEndTests(TemporalServerFixture temporal)
{
    private const string Token = "am-e2e-token";

    [Fact]
    public async Task A_rising_error_ratio_fires_one_incident_pushed_and_pulled_whose_diagnosers_see_the_real_series_and_its_resolution_ends_it()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var monitor = $"local-{run}";
        using var exporter = new MetricsExporter { ErrorRatio = 0.02 };
        using var github = new GitHubFake();
        using var llm = new LocalOpenAi();
        llm.Answer("You are a diagnoser", JsonSerializer.Serialize(new
        {
            root_cause = "calc fails almost every request since the error ratio jumped to 0.9",
            category = "code-regression",
            evidence = new object[] { new { source = "metrics", @ref = "alert", detail = "calc_errors_ratio rose from 0.02 to 0.9" }, new { source = "alert", @ref = "service=calc", detail = "the alert names calc" } },
            confidence = 0.8,
            suggested_fix = "Roll back calc's last deploy.",
            files = Array.Empty<string>(),
        }));

        // The bot first (Alertmanager posts to it), then Alertmanager, then Prometheus; the monitor polls the same Alertmanager.
        var alertmanagerPort = TestPorts.Free();
        var prometheusPort = TestPorts.Free();
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        await using var bot = await BotHost.StartAsync(temporal.Address, taskQueue, github, new Dictionary<string, string?>
        {
            ["Alerts:Token"] = Token,
            ["Agents:Provider"] = "openai",
            ["Agents:Endpoint"] = llm.Endpoint.ToString(),
            ["Agents:Model"] = "local-model",
            ["Agents:ApiKey"] = "local-key",
            ["Incidents:Agents"] = "2",
            ["Incidents:Window"] = "00:01:00",
            ["Incidents:Prometheus:Url"] = $"http://127.0.0.1:{prometheusPort}/",
            ["Incidents:Services:calc:MetricsQuery"] = "calc_errors_ratio{service=\"{service}\"}",
            [$"Incidents:Monitors:{monitor}:Url"] = $"http://127.0.0.1:{alertmanagerPort}/",
            [$"Incidents:Monitors:{monitor}:Interval"] = "00:00:01",
        });
        await using var alertmanager = await ObservabilityServer.AlertmanagerAsync($$"""
            route:
              receiver: ghbot
              group_by: [alertname]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: ghbot
                webhook_configs:
                  - url: {{bot.Http.BaseAddress}}api/alerts/alertmanager
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials: {{Token}}
            """, alertmanagerPort);
        await using var prometheus = await ObservabilityServer.PrometheusAsync(
            $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [rules.yml]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ["127.0.0.1:{{alertmanagerPort}}"]
            scrape_configs:
              - job_name: calc
                static_configs:
                  - targets: ["{{exporter.Target}}"]
            """,
            $$"""
            groups:
              - name: calc
                rules:
                  - alert: CalcErrors
                    expr: calc_errors_ratio > 0.5
                    labels:
                      severity: critical
                      run: "{{run}}"
                    annotations:
                      summary: calc fails {{"{{"}} $value {{"}}"}} of its requests
            """,
            prometheusPort);

        // A few quiet scrapes (Prometheus starts scraping a few seconds after it is ready), then the error ratio rises.
        await WaitAsync(() => Task.FromResult(exporter.Server.LogEntries.Count >= 3), $"Prometheus never scraped the exporter: {prometheus.Output}");
        exporter.ErrorRatio = 0.9;
        var fingerprint = await FingerprintAsync(alertmanager.Url, run);
        var id = WorkflowIds.Incident("alertmanager", fingerprint);
        await WaitAsync(() => Task.FromResult(llm.Requests.Count >= 2), $"the diagnosers were not asked (Alertmanager: {alertmanager.Output})");

        // The diagnosers were shown the series Prometheus really has: quiet, then 0.9.
        foreach (var request in llm.Requests)
        {
            var body = request.RequestMessage.Body!;
            var service = Line(body, "query `service`");
            Assert.Contains("__name__=calc_errors_ratio", service, StringComparison.Ordinal);
            Assert.Contains("first 0.02", service, StringComparison.Ordinal);
            Assert.Contains("min 0.02, max 0.9", service, StringComparison.Ordinal);
            Assert.Contains("min 0.9, max 0.9", Line(body, "query `alert`"), StringComparison.Ordinal);
        }

        // Alertmanager's firing notification reached the incident (whichever of the push and the monitor's pull came first).
        await WaitAsync(
            async () => (await temporal.Client.GetWorkflowHandle(id).FetchHistoryAsync()).Events.Any(e => e.WorkflowExecutionSignaledEventAttributes is { SignalName: IncidentSignals.AlertFired }),
            $"Alertmanager's webhook never reached the incident: {alertmanager.Output}");

        // On-call silences the alert: it has not resolved, and the monitor does not say it has.
        using (var http = new HttpClient())
        {
            var silence = new JsonObject
            {
                ["matchers"] = new JsonArray(new JsonObject { ["name"] = "run", ["value"] = run, ["isRegex"] = false, ["isEqual"] = true }),
                ["startsAt"] = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture),
                ["endsAt"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture),
                ["createdBy"] = "on-call",
                ["comment"] = "looking into it",
            };
            using var silenced = await http.PostAsync(new Uri(alertmanager.Url, "api/v2/silences"), new StringContent(silence.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            Assert.True(silenced.IsSuccessStatusCode, await silenced.Content.ReadAsStringAsync());
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False((await temporal.Client.GetWorkflowHandle(id).QueryAsync<IncidentStatus>("Status", [])).Resolved);

        // The service recovers: the alert leaves Alertmanager (silenced, it sends no notification) and the monitor's
        // Resolved ends the incident.
        exporter.ErrorRatio = 0.01;
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var result = await temporal.Client.GetWorkflowHandle(id).GetResultAsync<IncidentResult>(rpcOptions: new() { CancellationToken = wait.Token });

        Assert.Equal("diagnosed", result.Outcome);
        Assert.Null(result.Repository);
        Assert.Equal([1, 2], result.Consensus!.SupportingAgents);
        Assert.Contains("calc fails almost every request", result.Consensus.RootCause, StringComparison.Ordinal);
        Assert.Contains($"resolved (the monitor {monitor})", result.Postmortem, StringComparison.Ordinal);

        // Pushed by Alertmanager and pulled by the monitor, it was one incident: one run, and the monitor met it.
        var runs = new List<WorkflowExecution>();
        await foreach (var execution in temporal.Client.ListWorkflowsAsync($"WorkflowId = '{id}'"))
        {
            runs.Add(execution);
        }

        Assert.Single(runs);
        var incidentHistory = await temporal.Client.GetWorkflowHandle(id).FetchHistoryAsync();
        Assert.Contains(incidentHistory.Events, e => e.WorkflowExecutionSignaledEventAttributes is { SignalName: IncidentSignals.AlertFired });
        var monitorHandle = temporal.Client.GetWorkflowHandle(WorkflowIds.AlertmanagerMonitor(monitor));
        var monitorHistory = await monitorHandle.FetchHistoryAsync();
        Assert.Contains(monitorHistory.Events, e => e.StartChildWorkflowExecutionInitiatedEventAttributes?.WorkflowId == id);
        await monitorHandle.TerminateAsync("the test is over");
        github.AssertNoUnexpectedRequests();
    }

    /// <summary>The rendered context's line that starts with <paramref name="start"/> (the body is the JSON of the request).</summary>
    private static string Line(string body, string start)
    {
        var text = string.Join('\n', JsonNode.Parse(body)!["messages"]!.AsArray().Select(m => m?["content"]?.GetValue<string>() ?? string.Empty));
        return text.Split('\n').FirstOrDefault(l => l.StartsWith($"- {start}", StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no line '{start}' in:\n{text}");
    }

    /// <summary>The fingerprint Alertmanager gave the test's alert, once it is active there.</summary>
    private static async Task<string> FingerprintAsync(Uri alertmanager, string run)
    {
        using var http = new HttpClient();
        string? found = null;
        await WaitAsync(async () =>
        {
            var alerts = JsonNode.Parse(await http.GetStringAsync(new Uri(alertmanager, "api/v2/alerts")))!.AsArray();
            found = alerts.FirstOrDefault(a => a?["labels"]?["run"]?.GetValue<string>() == run)?["fingerprint"]?.GetValue<string>();
            return found is not null;
        }, "the alert never reached Alertmanager");
        return found!;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(250);
        }
    }
}

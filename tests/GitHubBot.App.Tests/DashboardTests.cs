using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Commands;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Testing;
using Temporalio.Client;

namespace GitHubBot.App.Tests;

/// <summary>
/// The Grafana dashboard of infra/grafana/ against real data: a real <c>ghbot serve</c> and a real <c>ghbot worker</c>
/// do a labelled issue's plan → patch → PR (agents behind an OpenAI-compatible endpoint, GitHub faked over HTTP), a real
/// Prometheus scrapes both with the scrape configuration of infra/grafana/prometheus.yml, and every panel's query
/// must return data.
/// </summary>
public sealed class DashboardTests : IDisposable
{
    private readonly TempDirectory serveData = new("ghbot-dash-serve-");
    private readonly TempDirectory workerData = new("ghbot-dash-worker-");

    public void Dispose()
    {
        serveData.Dispose();
        workerData.Dispose();
    }

    [Fact]
    public async Task Every_panel_of_the_dashboard_shows_data_from_a_real_serve_and_worker()
    {
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "infra", "grafana", "ghbot-dashboard.json")))!;
        var panels = Panels(dashboard);
        Assert.True(panels.Count >= 15, $"the dashboard has {panels.Count} panels with queries");
        using var github = new GitHubFake();
        using var llm = new LocalOpenAi();
        using var remote = await FixtureRepository.CreateAsync(MultiplyPlan.Files);
        var (payload, repo) = MultiplyPlan.Arrange(github, llm, remote, "ghs_dash");
        var temporalPort = TestPorts.Free();
        var metricsPort = TestPorts.Free();
        var agents = new Dictionary<string, string>
        {
            ["Agents__Provider"] = "openai",
            ["Agents__Endpoint"] = llm.Endpoint.ToString(),
            ["Agents__Model"] = "local-model",
            ["Agents__ApiKey"] = "local-key",

            // The shared fixtures' payloads are years old.
            ["Intake__FreshnessWindow"] = "36500.00:00:00",
        };
        using var serve = await ServeProcess.StartAsync(serveData.Path, temporalPort, github, agents);
        using var worker = new OwnedProcess(StartWorker($"127.0.0.1:{temporalPort}", metricsPort, github, agents));

        // Real work: the issue's plan (command, plan, change and gate workflows, four agents, GitHub calls); an
        // unsigned webhook request and an alert while alerts are off, for the intake's other panels.
        using var response = await serve.Webhooks.PostAsync("issues", payload, deliveryId: "dashboard-delivery");
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var waiting = new RpcOptions { CancellationToken = patience.Token };
        var command = await (await client.StartedAsync((await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!)).GetResultAsync<CommandResult>(rpcOptions: waiting);
        var plan = await client.GetWorkflowHandle(Assert.Single(command.Outcomes).WorkflowId!).GetResultAsync<PlanPatchPrResult>(rpcOptions: waiting);
        Assert.True(plan.Merged, plan.Explanation);

        // The intake's JSON log of the start carries the delivery ID and the workflow ID in its scopes.
        Assert.Contains(serve.Output.Split('\n'), line => line.Contains("\"DeliveryId\":\"dashboard-delivery\"", StringComparison.Ordinal)
            && line.Contains($"\"WorkflowId\":\"command/Codertocat/{repo}/", StringComparison.Ordinal));
        using (var unsigned = await serve.Http.PostAsync(new Uri("/api/github/webhooks", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        using (var alert = await serve.Http.PostAsync(new Uri("/api/alerts/alertmanager", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, alert.StatusCode);
        }

        await WorkerMetricsAsync(worker.Process, metricsPort);
        var config = (await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "infra", "grafana", "prometheus.yml")))
            .Replace("scrape_interval: 15s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("ghbot:8080", serve.BaseAddress.Authority, StringComparison.Ordinal)
            .Replace("ghbot-worker:9464", $"127.0.0.1:{metricsPort}", StringComparison.Ordinal);
        await using var prometheus = await ObservabilityServer.PrometheusAsync(config, "groups: []\n");

        using var http = new HttpClient { BaseAddress = prometheus.Url, Timeout = TimeSpan.FromSeconds(10) };
        var empty = panels;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var still = new List<(string Title, string Expr)>();
            foreach (var panel in panels)
            {
                if (!await HasDataAsync(http, panel.Expr))
                {
                    still.Add(panel);
                }
            }

            empty = still;
            if (empty.Count == 0)
            {
                break;
            }
        }

        using var served = await serve.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var names = string.Join(", ", (await served.Content.ReadAsStringAsync()).Split('\n')
            .Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]));
        Assert.True(empty.Count == 0, $"panels without data:\n{string.Join("\n", empty.Select(p => $"- {p.Title}: {p.Expr}"))}\nserve's /metrics has: {names}\nPrometheus:\n{prometheus.Output}");

        // Routes are templates: the PR's creation is counted under its route, and no repository name is a label.
        Assert.True(await HasDataAsync(http, "ghbot_github_requests_total{route=\"/repos/{owner}/{repo}/pulls\",method=\"POST\",status=\"201\"}"));
        Assert.False(await HasDataAsync(http, $"{{__name__=~\"ghbot_.+\",route=~\".*{repo}.*\"}}"), "a repository's name became a route label");
        Assert.True(await HasDataAsync(http, "ghbot_github_rate_limit_remaining{installation=\"1\"} == 4999"));
    }

    /// <summary>Every panel's title and query: a panel with a query and no data is a broken dashboard.</summary>
    private static List<(string Title, string Expr)> Panels(JsonNode dashboard) =>
        [.. dashboard["panels"]!.AsArray()
            .SelectMany(panel => panel!["type"]!.GetValue<string>() == "row" ? panel["panels"]!.AsArray().Select(p => p!) : [panel!])
            .SelectMany(panel => (panel["targets"]?.AsArray() ?? []).Select(target => (panel["title"]!.GetValue<string>(), target!["expr"]!.GetValue<string>())))];

    private static async Task<bool> HasDataAsync(HttpClient prometheus, string expr)
    {
        using var answer = await prometheus.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(expr)}", UriKind.Relative));
        var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        Assert.True(body["status"]!.GetValue<string>() == "success", $"{expr}: {body.ToJsonString()}");
        return body["data"]!["result"]!.AsArray().Count > 0;
    }

    /// <summary><c>ghbot worker</c> on serve's task queue, its metrics on <paramref name="metricsPort"/> (Worker:MetricsPort).</summary>
    private Process StartWorker(string address, int metricsPort, GitHubFake github, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "ghbot.dll"), "worker", "--host", address })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DataDir"] = workerData.Path;
        start.Environment["GitHub__AppId"] = github.AppId.ToString(CultureInfo.InvariantCulture);
        start.Environment["GitHub__PrivateKey"] = github.PrivateKeyPem;
        start.Environment["GitHub__ApiBaseUrl"] = github.ApiBaseUrl.ToString();
        start.Environment["Worker__MetricsPort"] = metricsPort.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The worker serves its own Temporal metrics on its metrics port.</summary>
    private static async Task WorkerMetricsAsync(Process worker, int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.False(worker.HasExited, $"ghbot worker exited with {(worker.HasExited ? worker.ExitCode : 0)}");
            try
            {
                last = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                if (last.Contains("temporal_worker_task_slots_available", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(500);
        }

        Assert.Fail($"ghbot worker's /metrics on port {port} has no temporal_ metrics:\n{last}");
    }

    /// <summary>A process the test started, killed (with its children) when the test ends.</summary>
    private sealed class OwnedProcess(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }

            Process.Dispose();
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Testing;
using Temporalio.Client;

var runs = BenchBot.Option(args, "--runs", 5);
var warmup = BenchBot.Option(args, "--warmup", 1);
var storm = BenchBot.Option(args, "--storm", 2000);
var fingerprints = BenchBot.Option(args, "--fingerprints", 20);
var concurrency = BenchBot.Option(args, "--concurrency", 16);
const string owner = "Codertocat";
const string repo = "incident-bench";
const string token = "bench-alerts";
const string broken = "add() { echo $(( $1 - $2 )); }";
const string fixedAdd = "add() { echo $(( $1 + $2 )); }";

using var github = new GitHubFake();
using var llm = new LocalOpenAi();
using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string>
{
    ["calc.sh"] = $"{fixedAdd}\n",
    ["test.sh"] = ". ./calc.sh\n[ \"$(add 2 3)\" = 5 ] || exit 1\n",
});
var badCommit = await remote.CommitAsync("main", new Dictionary<string, string> { ["calc.sh"] = $"{broken}\n" }, "Speed up add");
github.ExpectGate(owner, repo, 1, "ghs_bench").ExpectPlan(owner, repo, "ghs_bench", remote)
    .ExpectRepositoryInstallation(owner, repo, 1).ExpectRecentChanges(owner, repo, "ghs_bench", remote);
github.RespondFile(owner, repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"sh test.sh\" }\n");
llm.Answer("You are a diagnoser", JsonSerializer.Serialize(new
{
    root_cause = "The commit Speed up add made add subtract",
    category = "code-regression",
    evidence = new object[] { new { source = "change", @ref = badCommit[..10], detail = "+ became -" }, new { source = "alert", @ref = "service=calc", detail = "calc" } },
    confidence = 0.9,
    suggested_fix = "Add again.",
    files = Files,
}));
llm.Answer("You are a coder", JsonSerializer.Serialize(new { summary = "Add again.", edits = new[] { new { path = "calc.sh", search = broken, replace = fixedAdd } } }));
await using var bot = await BenchBot.StartAsync("incident-bench", github, new Dictionary<string, string?>
{
    ["Alerts:Token"] = token,
    ["Agents:Provider"] = "openai",
    ["Agents:Endpoint"] = llm.Endpoint.ToString(),
    ["Agents:Model"] = "bench-model",
    ["Agents:ApiKey"] = "bench-key",
    ["Incidents:Services:calc:Repository"] = $"{owner}/{repo}",
});
bot.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

// 1. Alert → first diagnosis posted, → hotfix PR opened.
var latencies = new List<(double Diagnosis, double PullRequest)>();
for (var run = 1 - warmup; run <= runs; run++)
{
    var id = $"calc-wrong-sums-{run + warmup}-{Guid.NewGuid():N}"[..40];
    var started = DateTime.UtcNow;
    var clock = Stopwatch.StartNew();
    using (var response = await PostAsync("/api/alerts", Generic(id, "firing", "calc")))
    {
        Ensure(response.IsSuccessStatusCode, $"the intake answered {(int)response.StatusCode}");
    }

    var handle = bot.Client.GetWorkflowHandle(WorkflowIds.Incident("generic", id));
    await UntilAsync(async () => (await handle.QueryAsync<IncidentStatus>("Status", [])).Stage == "waiting for the alert to resolve");
    var requests = github.Server.LogEntries.Select(e => e.RequestMessage).Where(r => r.DateTime >= started).ToList();
    var diagnosis = requests.First(r => r.Path.Contains("/comments", StringComparison.Ordinal) && r.Body?.Contains("thinks:", StringComparison.Ordinal) == true);
    var opened = requests.First(r => r.Method == "POST" && r.Path == $"/repos/{owner}/{repo}/pulls");
    var toDiagnosis = (diagnosis.DateTime - started).TotalSeconds;
    var toPullRequest = (opened.DateTime - started).TotalSeconds;
    using (var resolved = await PostAsync("/api/alerts", Generic(id, "resolved", "calc")))
    {
        Ensure(resolved.IsSuccessStatusCode, $"the resolved alert was answered {(int)resolved.StatusCode}");
    }

    var result = await handle.GetResultAsync<IncidentResult>();
    Ensure(result is { Outcome: "fixed", FixApplied: true }, $"run {run}: expected a hotfix, got {JsonSerializer.Serialize(result)}");
    if (run < 1)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up run: first diagnosis {toDiagnosis:0.00} s, hotfix PR {toPullRequest:0.00} s (not counted)"));
        continue;
    }

    latencies.Add((toDiagnosis, toPullRequest));
    Console.WriteLine(JsonSerializer.Serialize(new { run, alertToFirstDiagnosisSeconds = Math.Round(toDiagnosis, 3), alertToHotfixPrSeconds = Math.Round(toPullRequest, 3), total = Math.Round(clock.Elapsed.TotalSeconds, 3) }));
}

// 2. An incident's history with five agents, from alert to postmortem.
var fiveId = $"calc-five-agents-{Guid.NewGuid():N}"[..40];
var five = await bot.Client.StartWorkflowAsync(
    WorkflowTypes.IncidentSwarm,
    [new IncidentInput { Alert = Alert(fiveId), Agents = 5 }],
    new WorkflowOptions(WorkflowIds.Incident("generic", fiveId), "incident-bench"));
await UntilAsync(async () => (await five.QueryAsync<IncidentStatus>("Status", [])).Stage == "waiting for the alert to resolve");
await five.SignalAsync(IncidentSignals.Resolved, ["the benchmark"]);
var fiveResult = await five.GetResultAsync<IncidentResult>();
Ensure(fiveResult.Consensus?.SupportingAgents.Count == 5, $"expected five agents behind the consensus, got {JsonSerializer.Serialize(fiveResult)}");
var history = await five.FetchHistoryAsync();
var historyBytes = Encoding.UTF8.GetByteCount(history.ToJson());
Console.WriteLine(JsonSerializer.Serialize(new { agents = 5, outcome = fiveResult.Outcome, historyEvents = history.Events.Count, historyBytes }));

// 3. An alert storm: deliveries of a few fingerprints, through the intake, beside the SDK's signal-with-start ceiling,
// twice each and interleaved (the first round's incidents still work while the next round runs).
var rounds = new List<(string What, string Prefix, (double Rate, double P50, double P99) Load)>();
foreach (var round in new[] { "a", "b" })
{
    var ceilingPrefix = $"ceiling{round}";
    rounds.Add(("SDK signal-with-start only (no HTTP) — the ceiling", ceilingPrefix, await LoadAsync(ceilingPrefix, async i =>
    {
        // The same alerts the intake gets, started the same way on the same workers: only HTTP and the intake are missing.
        var alert = AlertPayloads.ParseWebhook(Storm(i % fingerprints, ceilingPrefix), "alertmanager").Notices[0].Alert;
        var options = new WorkflowOptions(WorkflowIds.Incident("alertmanager", alert.Fingerprint), "incident-bench") { IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.AllowDuplicate };
        options.SignalWithStart(IncidentSignals.AlertFired, ["bench"]);
        await bot.Client.StartWorkflowAsync(WorkflowTypes.IncidentSwarm, [new IncidentInput { Alert = alert, Trigger = "alertmanager webhook" }], options);
    })));
    var stormPrefix = $"storm{round}";
    rounds.Add(("POST /api/alerts/alertmanager", stormPrefix, await LoadAsync(stormPrefix, async i =>
    {
        using var response = await PostAsync("/api/alerts/alertmanager", Storm(i % fingerprints, stormPrefix));
        Ensure(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"delivery {i} was answered {(int)response.StatusCode}");
    })));
}

var incidents = new Dictionary<string, int>();
foreach (var (_, prefix, _) in rounds)
{
    var count = 0;
    await foreach (var execution in bot.Client.ListWorkflowsAsync($"WorkflowId STARTS_WITH 'incident/alertmanager/{prefix}-'"))
    {
        count++;
    }

    Ensure(count == fingerprints, $"expected {fingerprints} incidents from {prefix}, found {count}");
    incidents[prefix] = count;
}

Console.WriteLine();
Console.WriteLine("| runs | agents | alert → first diagnosis posted (median / max) | alert → hotfix PR opened (median / max) |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {runs} | 3 | {BenchBot.Median(latencies.Select(r => r.Diagnosis)):0.00} s / {latencies.Max(r => r.Diagnosis):0.00} s | {BenchBot.Median(latencies.Select(r => r.PullRequest)):0.00} s / {latencies.Max(r => r.PullRequest):0.00} s |"));
Console.WriteLine();
Console.WriteLine("| what | round | deliveries / fingerprints / c | incidents | deliveries/s | p50 ms | p99 ms |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var (what, prefix, load) in rounds)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {prefix[^1]} | {storm} / {fingerprints} / {concurrency} | {incidents[prefix]} | {load.Rate:0.0} | {load.P50:0.0} | {load.P99:0.0} |"));
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"History of one incident with 5 agents (alert, context, diagnoses, consensus, hotfix PR through its gate, resolved, postmortem): {history.Events.Count} events, {historyBytes / 1024.0:0.0} KiB."));

async Task<(double Rate, double P50, double P99)> LoadAsync(string name, Func<int, Task> deliver)
{
    var timings = new ConcurrentBag<double>();
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        for (var i = Interlocked.Increment(ref next); i < storm; i = Interlocked.Increment(ref next))
        {
            var one = Stopwatch.StartNew();
            await deliver(i);
            timings.Add(one.Elapsed.TotalMilliseconds);
        }
    }));
    var sorted = timings.Order().ToArray();
    var rate = storm / clock.Elapsed.TotalSeconds;
    var p50 = sorted[(int)(sorted.Length * 0.5)];
    var p99 = sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))];
    Console.WriteLine(JsonSerializer.Serialize(new { load = name, deliveries = storm, fingerprints, concurrency, perSecond = Math.Round(rate, 1), p50Ms = Math.Round(p50, 1), p99Ms = Math.Round(p99, 1) }));
    return (rate, p50, p99);
}

async Task<HttpResponseMessage> PostAsync(string path, string body) =>
    await bot.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

async Task UntilAsync(Func<Task<bool>> condition)
{
    var deadline = DateTime.UtcNow.AddMinutes(2);
    while (true)
    {
        try
        {
            if (await condition())
            {
                return;
            }
        }
        catch (Temporalio.Exceptions.WorkflowQueryFailedException)
        {
            // not started yet
        }

        Ensure(DateTime.UtcNow < deadline, "the incident did not get there within 2 minutes");
        await Task.Delay(20);
    }
}

static void Ensure(bool condition, string problem)
{
    if (!condition)
    {
        throw new InvalidOperationException(problem);
    }
}

static string Generic(string id, string status, string service) =>
    new JsonObject { ["id"] = id, ["status"] = status, ["severity"] = "critical", ["service"] = service, ["message"] = "calc returns wrong sums" }.ToJsonString();

static Alert Alert(string id) =>
    AlertPayloads.ParseGeneric(Generic(id, "firing", "calc")).Notices[0].Alert;

static string Storm(int fingerprint, string prefix) =>
    new JsonObject
    {
        ["version"] = "4",
        ["status"] = "firing",
        ["alerts"] = new JsonArray(new JsonObject
        {
            ["status"] = "firing",
            ["fingerprint"] = $"{prefix}-{fingerprint}",
            ["labels"] = new JsonObject { ["alertname"] = "DiskFull", ["service"] = "storage", ["severity"] = "warning", ["instance"] = $"node-{fingerprint}" },
            ["annotations"] = new JsonObject { ["summary"] = "disk 95% full" },
            ["startsAt"] = "2026-12-01T10:00:00Z",
        }),
    }.ToJsonString();

/// <summary>The benchmark's constants.</summary>
internal static partial class Program
{
    private static readonly string[] Files = ["calc.sh"];
}

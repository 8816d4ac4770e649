using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;

if (args.Contains("--toolchains"))
{
    await Toolchains.RunAsync(args);
    return;
}

var runs = BenchBot.Option(args, "--runs", 5);
var warmup = BenchBot.Option(args, "--warmup", 1);
var slowest = BenchBot.Option(args, "--slowest", 8);
using var github = new GitHubFake();
using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "benchmark\n" });
var repo = "gate-bench";
github.ExpectGate("Codertocat", repo, 1, "ghs_bench");
var durations = Enumerable.Range(1, 8).Select(i => Math.Round(slowest * i / 8.0, 3)).ToArray();
var checks = string.Join("\n", GitHubBot.Core.Config.CheckConfig.Names.Select((name, i) =>
    string.Create(CultureInfo.InvariantCulture, $"    {name}: {{ run: \"sleep {durations[i]}\" }}")));
github.RespondFile("Codertocat", repo, ".github/ghbot.yml", $"quality_gate:\n  required_score: 0\n  checks:\n{checks}\n");
await using var bot = await BenchBot.StartAsync("gate-bench", github);

var results = new List<(double ToInProgress, double Wall, double Ratio)>();
for (var run = 1 - warmup; run <= runs; run++)
{
    var sha = await remote.CommitAsync($"bench-{run + warmup}", new Dictionary<string, string> { ["run.txt"] = $"{run}\n" });
    var payload = WebhookSender.Load("pull_request.opened.json");
    payload["repository"]!["name"] = repo;
    payload["repository"]!["full_name"] = $"Codertocat/{repo}";
    payload["number"] = 100 + run;
    payload["pull_request"]!["number"] = 100 + run;
    payload["pull_request"]!["head"]!["sha"] = sha;
    payload["pull_request"]!["head"]!["ref"] = $"bench-{run + warmup}";
    payload["pull_request"]!["head"]!["repo"]!["clone_url"] = remote.CloneUrl;

    var started = DateTime.UtcNow;
    var clock = Stopwatch.StartNew();
    using var response = await bot.Webhooks.PostAsync("pull_request", payload);
    var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    var workflowId = (string?)answer["workflowId"] ?? throw new InvalidOperationException($"the intake answered {(int)response.StatusCode}: {answer}");
    var result = await (await bot.Client.StartedAsync(workflowId)).GetResultAsync<QualityGateResult>();
    var wall = clock.Elapsed.TotalSeconds;
    var inProgress = github.Server.LogEntries
        .Select(e => e.RequestMessage)
        .Where(r => r.Method == "POST" && r.Path == $"/repos/Codertocat/{repo}/check-runs" && r.Body!.Contains(sha, StringComparison.Ordinal) && r.Body.Contains("\"in_progress\"", StringComparison.Ordinal))
        .Select(r => (r.DateTime - started).TotalSeconds)
        .Single();
    if (result.Checks.Count != 8 || result.Checks.Any(c => !c.Passed))
    {
        throw new InvalidOperationException($"run {run}: expected eight passing checks, got {JsonSerializer.Serialize(result)}");
    }

    if (run < 1)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up run: {inProgress:0.000} s to in_progress, {wall:0.00} s wall (not counted)"));
        continue;
    }

    results.Add((inProgress, wall, wall / slowest));
    Console.WriteLine(JsonSerializer.Serialize(new { run, slowestCheckSeconds = slowest, webhookToInProgressSeconds = Math.Round(inProgress, 3), gateWallSeconds = Math.Round(wall, 3), wallOverSlowest = Math.Round(wall / slowest, 3) }));
}

Console.WriteLine();
Console.WriteLine("| runs | slowest check | webhook → in_progress (median / max) | gate wall (median / max) | wall ÷ slowest (median) | target wall ≤ 1.1 × slowest + 1 s |");
Console.WriteLine("|---|---|---|---|---|---|");
var target = (1.1 * slowest) + 1;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {runs} | {slowest} s | {BenchBot.Median(results.Select(r => r.ToInProgress)):0.000} s / {results.Max(r => r.ToInProgress):0.000} s | {BenchBot.Median(results.Select(r => r.Wall)):0.00} s / {results.Max(r => r.Wall):0.00} s | {BenchBot.Median(results.Select(r => r.Ratio)):0.000} | {(results.Max(r => r.Wall) <= target ? "met" : "missed")} ({target:0.0} s) |"));

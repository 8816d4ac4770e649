using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.Commands;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Testing;
using WireMock.Matchers;

var runs = BenchBot.Option(args, "--runs", 5);
var warmup = BenchBot.Option(args, "--warmup", 1);
var parts = BenchBot.Option(args, "--sub-issues", 4);
using var github = new GitHubFake();
using var llm = new LocalOpenAi();
using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "benchmark\n" });
const string owner = "Codertocat";
const string repo = "plan-bench";
github.ExpectGate(owner, repo, 1, "ghs_bench").ExpectPlan(owner, repo, "ghs_bench", remote).ExpectPermission(owner, repo, "Codertocat", "admin");
github.RespondFile(owner, repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"true\" }\nauto_merge:\n  enabled: true\n");

Answer("You are the architect", new { design = "Write one file per part.", risks = Array.Empty<string>(), files = Array.Empty<string>() });
Answer("You are the planner", new
{
    sub_issues = Enumerable.Range(1, parts).Select(i => new
    {
        title = $"Part {i}",
        body = $"Write parts/part-{i}.txt.",
        acceptance_criteria = Criteria,
        files = new[] { $"parts/part-{i}.txt" },
        depends_on = Array.Empty<int>(),
    }).ToArray(),
});
Answer("You are the reviewer", new { approve = true, findings = Array.Empty<object>() });
await using var bot = await BenchBot.StartAsync("plan-bench", github, new Dictionary<string, string?>
{
    ["Agents:Provider"] = "openai",
    ["Agents:Endpoint"] = llm.Endpoint.ToString(),
    ["Agents:Model"] = "bench-model",
    ["Agents:ApiKey"] = "bench-key",
});

var results = new List<(double Design, double PullRequest, double Merged)>();
for (var run = 1 - warmup; run <= runs; run++)
{
    var issue = github.AddIssue(owner, repo, $"Run {run + warmup}", "Write the parts.");
    for (var i = 1; i <= parts; i++)
    {
        // Each coder writes its own part, naming the run, so every run really changes the repository.
        Answer(
            $"Sub-issue #\\d+: Part {i}\\\\n[\\s\\S]*Parent issue #{issue}:",
            new { summary = $"Part {i}.", edits = new[] { new { path = $"parts/part-{i}.txt", content = $"run {run + warmup}, part {i}\n" } } },
            regex: true);
    }

    var payload = WebhookSender.Load("issues.labeled.json");
    payload["repository"]!["name"] = repo;
    payload["repository"]!["full_name"] = $"{owner}/{repo}";
    payload["issue"]!["number"] = issue;
    payload["label"]!["name"] = "ghbot:implement";
    payload["installation"] = new JsonObject { ["id"] = 1, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };

    var started = DateTime.UtcNow;
    var clock = Stopwatch.StartNew();
    using var response = await bot.Webhooks.PostAsync("issues", payload, deliveryId: $"plan-bench-{issue}");
    var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    var commandId = (string?)answer["workflowId"] ?? throw new InvalidOperationException($"the intake answered {(int)response.StatusCode}: {answer}");
    var command = await (await bot.Client.StartedAsync(commandId)).GetResultAsync<CommandResult>();
    var planId = command.Outcomes.Single().WorkflowId ?? throw new InvalidOperationException($"the label started nothing: {JsonSerializer.Serialize(command)}");
    var result = await bot.Client.GetWorkflowHandle(planId).GetResultAsync<PlanPatchPrResult>();
    var merged = clock.Elapsed.TotalSeconds;
    if (!result.Merged || result.SubIssues.Count != parts)
    {
        throw new InvalidOperationException($"run {run}: expected a merged PR of {parts} sub-issues, got {JsonSerializer.Serialize(result)}");
    }

    var requests = github.Server.LogEntries.Select(e => e.RequestMessage).Where(r => r.DateTime >= started).ToList();
    var design = requests.First(r => r.Method == "POST" && r.Path == $"/repos/{owner}/{repo}/issues/{issue}/comments" && r.Body!.Contains("### Design", StringComparison.Ordinal));
    var opened = requests.First(r => r.Method == "POST" && r.Path == $"/repos/{owner}/{repo}/pulls");
    var toDesign = (design.DateTime - started).TotalSeconds;
    var toPullRequest = (opened.DateTime - started).TotalSeconds;
    if (run < 1)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up run: design {toDesign:0.00} s, draft PR {toPullRequest:0.00} s, merged {merged:0.00} s (not counted)"));
        continue;
    }

    results.Add((toDesign, toPullRequest, merged));
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        run,
        subIssues = parts,
        webhookToDesignSeconds = Math.Round(toDesign, 3),
        webhookToDraftPrSeconds = Math.Round(toPullRequest, 3),
        webhookToMergedSeconds = Math.Round(merged, 3),
        agentCalls = result.Iterations,
    }));
}

Console.WriteLine();
Console.WriteLine("| runs | sub-issues | webhook → design posted (median / max) | webhook → draft PR (median / max) | webhook → merged (median / max) |");
Console.WriteLine("|---|---|---|---|---|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {runs} | {parts} | {BenchBot.Median(results.Select(r => r.Design)):0.00} s / {results.Max(r => r.Design):0.00} s | {BenchBot.Median(results.Select(r => r.PullRequest)):0.00} s / {results.Max(r => r.PullRequest):0.00} s | {BenchBot.Median(results.Select(r => r.Merged)):0.00} s / {results.Max(r => r.Merged):0.00} s |"));

// The local OpenAI-compatible endpoint answers requests whose body matches `match` with `value` as the model's JSON.
void Answer(string match, object value, bool regex = false) =>
    llm.Answer(regex ? new RegexMatcher(match) : new WildcardMatcher($"*{match}*"), JsonSerializer.Serialize(value));

/// <summary>The benchmark's constants.</summary>
internal static partial class Program
{
    private static readonly string[] Criteria = ["the file exists"];
}

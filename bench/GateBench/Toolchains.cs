using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;

/// <summary>
/// The gate on real projects without configuration (<c>--toolchains</c>): the .NET, Node and Python fixtures of the
/// tests, all eight detected checks run with this machine's toolchains, twice per repository — cold (the first gate on
/// it) and warm (a second PR on the same repository). Beside each gate's wall time: its slowest check (the ceiling a
/// parallel gate cannot beat) and the sum of its checks (what running them one after another would take).
/// </summary>
internal static class Toolchains
{
    public static async Task RunAsync(string[] args)
    {
        var only = args.SkipWhile(a => a != "--ecosystem").Skip(1).FirstOrDefault();
        var ecosystems = new (string Name, IReadOnlyDictionary<string, string> Files)[] { (".NET", GateFixtures.DotNet()), ("Node", GateFixtures.Node()), ("Python", GateFixtures.Python()) }
            .Where(e => only is null || string.Equals(e.Name.TrimStart('.'), only.TrimStart('.'), StringComparison.OrdinalIgnoreCase))
            .ToList();
        using var github = new GitHubFake();
        foreach (var (name, _) in ecosystems)
        {
            github.ExpectGate("Codertocat", Repo(name), 1, "ghs_bench");
        }

        await using var bot = await BenchBot.StartAsync("gate-toolchains-bench", github);
        var rows = new List<string>();
        var number = 200;
        foreach (var (name, files) in ecosystems)
        {
            using var remote = await FixtureRepository.CreateAsync(files);
            var baseSha = await remote.HeadOfAsync("main");
            foreach (var run in new[] { "cold", "warm" })
            {
                number++;
                var branch = $"bench-{run}";
                var sha = await remote.CommitAsync(branch, new Dictionary<string, string> { ["NOTES.md"] = $"{run} run\n" });
                var payload = WebhookSender.Load("pull_request.opened.json");
                payload["repository"]!["name"] = Repo(name);
                payload["repository"]!["full_name"] = $"Codertocat/{Repo(name)}";
                payload["number"] = number;
                payload["pull_request"]!["number"] = number;
                payload["pull_request"]!["head"]!["sha"] = sha;
                payload["pull_request"]!["head"]!["ref"] = branch;
                payload["pull_request"]!["head"]!["repo"]!["clone_url"] = remote.CloneUrl;
                payload["pull_request"]!["base"]!["sha"] = baseSha;

                var clock = Stopwatch.StartNew();
                using var response = await bot.Webhooks.PostAsync("pull_request", payload);
                var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                var workflowId = (string?)answer["workflowId"] ?? throw new InvalidOperationException($"the intake answered {(int)response.StatusCode}: {answer}");
                var result = await bot.Client.GetWorkflowHandle(workflowId).GetResultAsync<QualityGateResult>();
                var wall = clock.Elapsed.TotalSeconds;
                var ran = result.Checks.Count(c => !c.Neutral);
                var passed = result.Checks.Count(c => c.Passed);
                var slowest = result.Checks.MaxBy(c => c.DurationSeconds)!;
                var sum = result.Checks.Sum(c => c.DurationSeconds);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    ecosystem = name,
                    run,
                    checks = result.Checks.Count,
                    ran,
                    passed,
                    neutral = result.Checks.Where(c => c.Neutral).Select(c => c.Name),
                    gateWallSeconds = Math.Round(wall, 2),
                    slowestCheck = slowest.Name,
                    slowestCheckSeconds = Math.Round(slowest.DurationSeconds, 2),
                    sumOfChecksSeconds = Math.Round(sum, 2),
                    perCheckSeconds = result.Checks.ToDictionary(c => c.Name, c => Math.Round(c.DurationSeconds, 2)),
                }));
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {run} | {result.Checks.Count} ({passed} passed, {result.Checks.Count - ran} neutral) | {wall:0.0} s | {slowest.Name.Replace('_', ' ')} {slowest.DurationSeconds:0.0} s | {sum:0.0} s | {wall / Math.Max(0.001, slowest.DurationSeconds):0.00} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| ecosystem | run | checks (passed, neutral) | gate wall (webhook → result) | slowest check (ceiling) | sum of checks (one after another) | wall ÷ slowest |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
    }

    private static string Repo(string ecosystem) => $"gate-{ecosystem.TrimStart('.').ToLowerInvariant()}-bench";
}

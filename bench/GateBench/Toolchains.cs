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
/// parallel gate cannot beat) and, as the peer, the same detected commands run by hand one after another.
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
                var result = await (await bot.Client.StartedAsync(workflowId)).GetResultAsync<QualityGateResult>();
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
                var byHand = await ByHandAsync(remote, sha, files);
                Console.WriteLine(JsonSerializer.Serialize(new { ecosystem = name, run, byHandSeconds = Math.Round(byHand, 2) }));
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {run} | {result.Checks.Count} ({passed} passed, {result.Checks.Count - ran} neutral) | {wall:0.0} s | {slowest.Name.Replace('_', ' ')} {slowest.DurationSeconds:0.0} s | {byHand:0.0} s | {wall / Math.Max(0.001, slowest.DurationSeconds):0.00} | {byHand / wall:0.0}× |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| ecosystem | run | checks (passed, neutral) | gate wall (webhook → result) | slowest check in the gate (ceiling) | the same commands by hand, one after another (peer) | wall ÷ slowest | peer ÷ wall |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
    }

    /// <summary>
    /// The peer: the commands the gate detected for this commit, run by hand one after another, each in a fresh clone
    /// (as the gate gives each check a worktree of its own), with nothing of the bot around them.
    /// </summary>
    private static async Task<double> ByHandAsync(FixtureRepository remote, string sha, IReadOnlyDictionary<string, string> files)
    {
        var texts = CheckDetection.ManifestsToRead([.. files.Keys]).ToDictionary(path => path, path => files[path]);
        var checks = CheckDetection.Detect([.. files.Keys], texts).Checks
            .Where(c => c.Run != GitHubBot.Core.Config.CheckConfig.SecretScan && c.Unavailable is null && !c.Requires.Any(r => r.Tool == "pip-audit"));
        var total = 0.0;
        foreach (var check in checks)
        {
            using var clone = new TempDirectory("ghbot-bench-byhand-");
            await CliWrap.Cli.Wrap("git").WithArguments(["clone", "-q", remote.CloneUrl, clone.Path]).ExecuteAsync();
            await CliWrap.Cli.Wrap("git").WithArguments(["-C", clone.Path, "checkout", "-q", sha]).ExecuteAsync();
            var clock = Stopwatch.StartNew();
            var output = new System.Text.StringBuilder();
            var ran = await CliWrap.Cli.Wrap("/bin/sh").WithArguments(["-c", check.Run]).WithWorkingDirectory(clone.Path)
                .WithValidation(CliWrap.CommandResultValidation.None)
                .WithStandardOutputPipe(CliWrap.PipeTarget.ToStringBuilder(output)).WithStandardErrorPipe(CliWrap.PipeTarget.ToStringBuilder(output)).ExecuteAsync();
            total += clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"by hand: {check.Name} exited {ran.ExitCode} in {clock.Elapsed.TotalSeconds:0.00} s{(ran.ExitCode == 0 ? string.Empty : $": {output.ToString()[^Math.Min(400, output.Length)..]}")}"));
        }

        return total;
    }

    private static string Repo(string ecosystem) => $"gate-{ecosystem.TrimStart('.').ToLowerInvariant()}-bench";
}

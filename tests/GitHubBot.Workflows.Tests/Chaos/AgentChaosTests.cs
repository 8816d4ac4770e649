using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GitHubBot.Core.Common;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Testing;
using Microsoft.Extensions.AI;
using Temporalio.Client;
using Xunit.Abstractions;

namespace GitHubBot.Workflows.Tests.Chaos;

/// <summary>
/// Six plan → patch → PR runs started at once by the trigger label, each with one agent role that hangs (never
/// answers) or answers garbage: every run ends, and its issue says why in words a maintainer can act on.
/// </summary>
[Collection(TemporalCollection.Name)]
[Trait("Category", "Chaos")]
public sealed partial class AgentChaosTests(TemporalServerFixture temporal, ITestOutputHelper output)
{
    private static readonly (string Role, string Fault)[] Faults =
        [("architect", "hang"), ("architect", "garbage"), ("planner", "hang"), ("planner", "garbage"), ("coder", "hang"), ("coder", "garbage")];

    private static readonly string[] DiagnoserFates = ["hang", "garbage", "answer"];

    [Fact]
    public async Task Concurrent_runs_whose_agents_hang_or_answer_garbage_each_end_with_the_reason_on_their_issue()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GHBOT_CHAOS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        output.WriteLine($"agents hang or answer garbage: seed {seed} (GHBOT_CHAOS_SEED={seed} repeats it)");
        var random = new Random(seed);
        using var rig = await PlanScenarios.RigAsync(temporal.Client, PlanScenarios.Config);
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write");
        var faults = Faults.OrderBy(_ => random.Next()).ToArray();
        var issues = faults.Select((_, i) => rig.GitHub.AddIssue(GateRig.Owner, rig.Repo, $"Multiply numbers [chaos-{i}]", $"calc.sh should multiply too. [chaos-{i}]")).ToArray();
        var chat = new ChaosChatClient(faults, seed);
        using var worker = rig.Worker(chat, new Dictionary<string, string?> { ["Agents:RequestTimeout"] = "00:00:01" });

        await worker.ExecuteAsync(async () =>
        {
            var clock = Stopwatch.StartNew();
            var started = await Task.WhenAll(issues.Select(issue => PlanScenarios.LabelAsync(rig, issue, "writer", "ghbot:implement")));
            var ids = started.Select(s => Assert.Single(s.Outcomes).WorkflowId!).ToArray();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var ends = await Task.WhenAll(ids.Select(async id =>
            {
                try
                {
                    var result = await temporal.Client.GetWorkflowHandle(id).GetResultAsync<PlanPatchPrResult>(rpcOptions: new() { CancellationToken = deadline.Token });
                    return (Id: id, Outcome: result.Outcome, Said: result.Explanation, At: clock.Elapsed);
                }
                catch (Temporalio.Exceptions.WorkflowFailedException ex)
                {
                    return (Id: id, Outcome: "failed", Said: ex.InnerException?.Message ?? ex.Message, At: clock.Elapsed);
                }
                catch (OperationCanceledException ex)
                {
                    throw new Xunit.Sdk.XunitException($"{id} did not end within 2 minutes: stuck", ex);
                }
            }));

            for (var i = 0; i < issues.Length; i++)
            {
                var (role, fault) = faults[i];
                var end = ends[i];
                var expected = fault == "hang" ? $"The {role} agent did not answer within 1 s (Agents:RequestTimeout)" : $"The {role} gave no valid answer in 2 attempts";
                var progress = PlanScenarios.Progress(rig, issues[i]).Body;
                output.WriteLine($"issue #{issues[i]}: {role} {fault} → {end.Outcome} after {end.At.TotalSeconds:0.0}s; the issue says: {FirstLineWith(progress, "Stopped") ?? FirstLineWith(progress, role)}");
                Assert.NotEqual("merged", end.Outcome);
                Assert.Contains(expected, progress, StringComparison.Ordinal);
                Assert.Contains("**Stopped.**", progress, StringComparison.Ordinal);
                Assert.DoesNotContain(rig.WorkspaceRoot, progress, StringComparison.Ordinal);
            }

            output.WriteLine($"all {issues.Length} runs ended by {ends.Max(e => e.At).TotalSeconds:0.0}s; agent calls {chat.Calls} (hung {chat.Hung}, garbage {chat.Garbage})");
            Assert.DoesNotContain(rig.GitHub.PullRequests, pr => (string?)pr["state"] == "open" && (bool?)pr["draft"] != true);
        });
    }

    [Fact]
    public async Task An_incident_whose_diagnosers_hang_or_answer_garbage_ends_leaving_the_decision_to_people_and_says_which()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GHBOT_CHAOS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        output.WriteLine($"incident diagnosers hang or answer garbage: seed {seed} (GHBOT_CHAOS_SEED={seed} repeats it)");
        using var rig = await IncidentRig.CreateAsync(temporal.Client, IncidentSwarmWorkflowTests.GateAndMerge);
        rig.Settings["Incidents:HoldOpen"] = "00:00:01";
        rig.Settings["Agents:RequestTimeout"] = "00:00:01";

        // Of the three perspectives (agents 1, 2, 3 in this order), one hangs, one answers garbage, one is sure of the regression.
        string[] perspectives = ["**metrics**", "**logs**", "**recent changes**"];
        var random = new Random(seed);
        var roles = DiagnoserFates.OrderBy(_ => random.Next()).ToArray();
        var chat = new DiagnoserChat(task => roles[Array.FindIndex(perspectives, p => task.Contains(p, StringComparison.Ordinal))], JsonSerializer.Serialize(rig.Regression(0.95)));
        using var worker = rig.Gate.Worker(chat, rig.Settings);

        var clock = Stopwatch.StartNew();
        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(new Core.IncidentSwarm.IncidentInput { Alert = IncidentRig.Alert() });
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            return await handle.GetResultAsync(rpcOptions: new() { CancellationToken = deadline.Token });
        });

        var unusable = string.Join(", ", Enumerable.Range(1, 3).Where(agent => roles[agent - 1] != "answer"));
        var body = rig.IssueBody(rig.IssueNumber());
        output.WriteLine($"agents {string.Join(", ", roles.Select((r, i) => $"{i + 1} {r}"))} → {result.Outcome} after {clock.Elapsed.TotalSeconds:0.0}s; the issue says: {FirstLineWith(body, "without a usable answer")}");
        Assert.Equal("issue", result.Outcome);
        Assert.Contains($"Agents without a usable answer: {unusable}.", body, StringComparison.Ordinal);
        Assert.Empty(rig.GitHub.PullRequests);
    }

    private static string? FirstLineWith(string text, string word) =>
        text.Split('\n').FirstOrDefault(line => line.Contains(word, StringComparison.Ordinal))?.Trim();

    [GeneratedRegex(@"\[chaos-(\d+)\]")]
    private static partial Regex Marker();

    /// <summary>
    /// Agents whose answers follow the issue's marker: its faulty role hangs until the step gives up, or answers
    /// garbage (prose, cut-off JSON, JSON of another shape); the other roles answer as the usual scenario does.
    /// </summary>
    private sealed class ChaosChatClient((string Role, string Fault)[] faults, int seed) : FakeChatClient
    {
        private static readonly string[] Roles = ["architect", "planner", "coder", "reviewer"];
        private readonly Random random = new(seed);
        private int calls;
        private int hung;
        private int garbage;

        public int Calls => calls;

        public int Hung => hung;

        public int Garbage => garbage;

        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref calls);
            var asked = messages.ToList();
            var system = asked.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? string.Empty;
            var role = Roles.FirstOrDefault(r => system.Contains($"You are the {r}", StringComparison.Ordinal) || system.Contains($"You are a {r}", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("ChaosChatClient: an agent of no known role was asked");
            var all = string.Join("\n", asked.Select(m => m.Text));
            var match = Marker().Match(all);
            if (!match.Success)
            {
                throw new InvalidOperationException($"ChaosChatClient: the {role}'s task names no issue marker");
            }

            var number = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var marker = match.Value;
            var (faultyRole, fault) = faults[number];
            if (role == faultyRole && fault == "hang")
            {
                Interlocked.Increment(ref hung);
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            if (role == faultyRole)
            {
                Interlocked.Increment(ref garbage);
                int pick;
                lock (random)
                {
                    pick = random.Next(3);
                }

                return Text(pick switch
                {
                    0 => "Sure! I would add a mul function next to add, and test it. Let me know if you want more.",
                    1 => "{\"design\": \"Add mul to calc.sh\", \"risks\": [\"no",
                    _ => "{\"answer\": 42}",
                });
            }

            object answer = role switch
            {
                "architect" => new { design = $"Add a `mul` function to calc.sh and a test for it. {marker}", risks = new[] { "None worth noting." }, files = new[] { "calc.sh", "test.sh" } },
                "planner" => new { sub_issues = new object[] { new { title = $"{PlanScenarios.CalcTitle} {marker}", body = "Multiply two numbers.", acceptance_criteria = new[] { "mul 2 3 prints 6" }, files = new[] { "calc.sh" }, depends_on = Array.Empty<int>() } } },
                "coder" => PlanScenarios.Mul(),
                _ => PlanScenarios.Approve(),
            };
            return Text(JsonSerializer.Serialize(answer));
        }

        public static ChatResponse Text(string text) => new(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 50 } };
    }

    /// <summary>Diagnosers that hang, answer garbage or answer <c>answer</c>, as <c>decide</c> says for their task.</summary>
    private sealed class DiagnoserChat(Func<string, string> decide, string answer) : FakeChatClient
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var task = messages.First(m => m.Role == ChatRole.User).Text;
            switch (decide(task))
            {
                case "hang":
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                    throw new InvalidOperationException("unreachable: the delay never ends but by cancellation");
                case "garbage":
                    return ChaosChatClient.Text("The database, probably. Or the network.");
                default:
                    return ChaosChatClient.Text(answer);
            }
        }
    }
}

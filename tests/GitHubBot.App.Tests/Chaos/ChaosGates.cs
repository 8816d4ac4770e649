using System.Globalization;
using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Temporalio.Client;
using Xunit.Abstractions;

namespace GitHubBot.App.Tests.Chaos;

/// <summary>What the chaos tests share: their seed, many PRs of one repository, the gates' results, what a user would count on GitHub.</summary>
internal static class ChaosGates
{
    public const string Owner = "Codertocat";

    /// <summary>One check, cheap but long enough to be caught running.</summary>
    public static string Config(string run) => $"quality_gate:\n  checks:\n    unit_tests: {{ run: \"{run}\" }}\n";

    /// <summary>GHBOT_CHAOS_SEED when set (to repeat a run), else a fresh one; written to the test's output either way.</summary>
    public static int Seed(ITestOutputHelper output, string scenario)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GHBOT_CHAOS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var given)
            ? given
            : Random.Shared.Next();
        output.WriteLine($"{scenario}: seed {seed} (GHBOT_CHAOS_SEED={seed} repeats it)");
        return seed;
    }

    /// <summary>PRs 1..<paramref name="count"/>, each a commit of its own on branch pr-N of <paramref name="remote"/>.</summary>
    public static async Task<IReadOnlyList<(int Number, string Sha, string Branch)>> PullRequestsAsync(FixtureRepository remote, int count)
    {
        var prs = new List<(int, string, string)>();
        for (var number = 1; number <= count; number++)
        {
            var branch = $"pr-{number}";
            prs.Add((number, await remote.CommitAsync(branch, new Dictionary<string, string> { [$"feature-{number}.txt"] = $"{number}\n" }), branch));
        }

        return prs;
    }

    public static QualityGateInput Input(string repo, (int Number, string Sha, string Branch) pr, FixtureRepository remote, string owner = Owner, long installationId = 1) => new()
    {
        Owner = owner,
        Repo = repo,
        PullRequestNumber = pr.Number,
        HeadSha = pr.Sha,
        Branch = pr.Branch,
        InstallationId = installationId,
        CloneUrl = remote.CloneUrl,
    };

    /// <summary>Starts each gate on <paramref name="queue"/>, as the intake does (business key, use the existing run).</summary>
    public static async Task<IReadOnlyList<WorkflowHandle>> StartAsync(ITemporalClient client, string queue, IEnumerable<QualityGateInput> inputs)
    {
        var handles = new List<WorkflowHandle>();
        foreach (var input in inputs)
        {
            var id = WorkflowIds.QualityGate(input.Owner, input.Repo, input.PullRequestNumber, input.HeadSha);
            handles.Add(await client.StartWorkflowAsync(WorkflowTypes.QualityGate, [input], new WorkflowOptions(id, queue) { IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.UseExisting }));
        }

        return handles;
    }

    /// <summary>
    /// On the repository: exactly one summary check run made per head SHA, no check run made twice on a commit, the
    /// summary's last conclusion a success, and exactly one comment made per PR (edits may repeat). Returns (check runs
    /// made, comments made).
    /// </summary>
    public static (int CheckRuns, int Comments) AssertNothingMadeTwice(GitHubFake github, string repo, IEnumerable<(int Number, string Sha, string Branch)> prs, string owner = Owner)
    {
        var runs = github.CheckRunsMade(owner, repo);
        var comments = 0;
        foreach (var pr in prs)
        {
            var onCommit = runs.Where(r => (string?)r["head_sha"] == pr.Sha).Select(r => (string?)r["name"]).ToList();
            Assert.True(onCommit.Count(n => n == GitHubFake.GateCheckName) == 1, $"PR #{pr.Number} ({pr.Sha}): {onCommit.Count(n => n == GitHubFake.GateCheckName)} summary check runs made, not 1");
            Assert.True(onCommit.Distinct().Count() == onCommit.Count, $"PR #{pr.Number}: check runs made twice: {string.Join(", ", onCommit)}");

            // Updates may repeat; what the PR shows in the end is the gate's verdict.
            var summary = (long)runs.Single(r => (string?)r["head_sha"] == pr.Sha && (string?)r["name"] == GitHubFake.GateCheckName)["id"]!;
            var concluded = github.CheckRunUpdates(owner, repo, summary).LastOrDefault(u => u["conclusion"] is not null);
            Assert.True((string?)concluded?["conclusion"] == "success", $"PR #{pr.Number}: the summary check run ends {concluded?.ToJsonString() ?? "never concluded"}");
            var made = github.CommentsMade(owner, repo, pr.Number);
            Assert.True(made == 1, $"PR #{pr.Number}: {made} comments made, not 1");
            Assert.Single(github.CommentsOn(pr.Number));
            comments += made;
        }

        return (runs.Count, comments);
    }

    /// <summary>The activity attempts after the first that the gates' histories hold, by activity (what the chaos cost in retries).</summary>
    public static async Task<IReadOnlyDictionary<string, int>> RetriedAttemptsAsync(IEnumerable<WorkflowHandle> handles)
    {
        var retried = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var handle in handles)
        {
            var history = await handle.FetchHistoryAsync();
            var types = history.Events.Where(e => e.ActivityTaskScheduledEventAttributes is not null)
                .ToDictionary(e => e.EventId, e => e.ActivityTaskScheduledEventAttributes.ActivityType.Name);
            foreach (var started in history.Events.Select(e => e.ActivityTaskStartedEventAttributes).Where(a => a is { Attempt: > 1 }))
            {
                var type = types[started.ScheduledEventId];
                retried[type] = retried.GetValueOrDefault(type) + started.Attempt - 1;
            }
        }

        return retried;
    }

    /// <summary>"Name ×n, …" of <paramref name="counts"/>.</summary>
    public static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} ×{c.Value}")));

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

using System.Diagnostics;
using System.Globalization;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Xunit.Abstractions;

namespace GitHubBot.App.Tests.Chaos;

/// <summary>
/// 50 quality gates on a real <c>ghbot worker</c> process that is killed with SIGKILL at random moments and started
/// again: every gate ends, and GitHub shows one summary check run per commit and one comment per PR.
/// </summary>
[Collection(TemporalCollection.Name)]
[Trait("Category", "Chaos")]
public sealed class WorkerKillChaosTests(TemporalServerFixture temporal, ITestOutputHelper output) : IDisposable
{
    private const int Gates = 50;
    private const int Kills = 5;
    private readonly TempDirectory dataDir = new("ghbot-chaos-kill-");

    public void Dispose() => dataDir.Dispose();

    [Fact]
    public async Task Fifty_gates_complete_once_each_while_their_worker_is_killed_and_restarted()
    {
        var seed = ChaosGates.Seed(output, "worker kill -9");
        var random = new Random(seed);
        var repo = $"chaos-kill-{Guid.NewGuid():N}"[..24];
        using var github = new GitHubFake();
        github.ExpectGate(ChaosGates.Owner, repo, 1, "ghs_chaos_kill")
            .ListCheckRunsByRef(ChaosGates.Owner, repo)
            .RespondFile(ChaosGates.Owner, repo, ".github/ghbot.yml", ChaosGates.Config("sleep 0.3"));
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var prs = await ChaosGates.PullRequestsAsync(remote, Gates);
        var queue = TemporalServerFixture.NewTaskQueue();

        var clock = Stopwatch.StartNew();
        var worker = GhbotWorker.Start(temporal.Address, queue, dataDir.Path, github, github.ApiBaseUrl);
        try
        {
            var handles = await ChaosGates.StartAsync(temporal.Client, queue, prs.Select(pr => ChaosGates.Input(repo, pr, remote)));
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var results = handles.Select(h => h.GetResultAsync<QualityGateResult>(rpcOptions: new() { CancellationToken = deadline.Token })).ToList();

            // Kill at random moments spread over the run: each kill waits until a random number of gates has ended
            // (early: gates checking out; late: gates reporting), then a random fraction of a second more.
            var thresholds = Enumerable.Range(0, Kills).Select(_ => random.Next(Gates - 5)).Order().ToList();
            var kills = new List<string>();
            foreach (var threshold in thresholds)
            {
                while (results.Count(r => r.IsCompleted) < threshold && !deadline.IsCancellationRequested)
                {
                    await Task.Delay(100);
                }

                await Task.Delay(TimeSpan.FromSeconds(0.5 + (random.NextDouble() * 2)));
                var running = results.Count(r => !r.IsCompleted);
                Assert.False(worker.Exited, $"ghbot worker exited by itself:\n{worker.Output}");
                worker.Kill();
                worker.Dispose();
                kills.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:0.0}s ({running} gates running)"));
                await Task.Delay(TimeSpan.FromSeconds(random.NextDouble()));
                worker = GhbotWorker.Start(temporal.Address, queue, dataDir.Path, github, github.ApiBaseUrl);
            }

            QualityGateResult[] done;
            try
            {
                done = await Task.WhenAll(results);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{results.Count(r => !r.IsCompletedSuccessfully)} of {Gates} gates did not end within 4 minutes after {kills.Count} kills.\n{worker.Output}");
                throw;
            }

            var elapsed = clock.Elapsed;
            Assert.All(done, r => Assert.True(r.CanMerge, string.Join("; ", r.BlockingIssues) + " :: " + string.Join(" | ", r.Checks.Select(c => $"{c.Name}: {c.Summary}"))));
            var (checkRuns, comments) = ChaosGates.AssertNothingMadeTwice(github, repo, prs);
            github.AssertNoUnexpectedRequests();
            var retried = await ChaosGates.RetriedAttemptsAsync(handles);
            output.WriteLine($"gates {Gates}, all completed and mergeable in {elapsed.TotalSeconds:0.0}s");
            output.WriteLine($"kills {kills.Count}: {string.Join(", ", kills)}");
            output.WriteLine($"check runs made {checkRuns} ({Gates} summaries), comments made {comments}, check-run updates {github.Requests.Count(e => e.RequestMessage.Method == "PATCH" && e.RequestMessage.Path.Contains("/check-runs/", StringComparison.Ordinal))}, comment edits {github.Requests.Count(e => e.RequestMessage.Method == "PATCH" && e.RequestMessage.Path.Contains("/issues/comments/", StringComparison.Ordinal))}");
            output.WriteLine($"activity attempts after the first (retries after the kills): {retried.Values.Sum()}: {ChaosGates.Describe(retried)}");
        }
        finally
        {
            worker.Dispose();
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Xunit.Abstractions;

namespace GitHubBot.App.Tests.Chaos;

/// <summary>
/// Quality gates on a real <c>ghbot worker</c> while 30 % of its GitHub calls are answered 502/503, 429 with
/// Retry-After, a secondary-rate-limit 403 with Retry-After, or a 502 after GitHub did the work (its answer lost):
/// every gate ends, nothing is made twice (the first three check runs and comments are always made with their answers
/// lost), and each retry after a Retry-After comes no sooner than GitHub asked (measured in the request log).
/// </summary>
[Collection(TemporalCollection.Name)]
[Trait("Category", "Chaos")]
public sealed class GitHubFaultChaosTests(TemporalServerFixture temporal, ITestOutputHelper output) : IDisposable
{
    private const int Gates = 10;
    private const double Rate = 0.3;
    private readonly TempDirectory dataDir = new("ghbot-chaos-faults-");

    public void Dispose() => dataDir.Dispose();

    [Fact]
    public async Task Gates_complete_once_each_and_wait_as_long_as_GitHub_asks_when_30_percent_of_calls_fail()
    {
        var seed = ChaosGates.Seed(output, "GitHub faults");
        using var github = new GitHubFake();
        using var faults = new GitHubFaults(github, seed, Rate, 1, 2).LoseAnswers("POST", "/check-runs", 3).LoseAnswers("POST", "/comments", 3);
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var prs = await ChaosGates.PullRequestsAsync(remote, Gates);

        // Each gate in a repository, organization and installation of its own: a request of one gate is never
        // another's, so the next request like a failed one is its retry.
        var repos = prs.ToDictionary(pr => pr.Number, pr => (Owner: $"chaos-org-{pr.Number}", Repo: $"faults-{Guid.NewGuid():N}"[..20]));
        foreach (var (number, (owner, repo)) in repos)
        {
            github.ExpectGate(owner, repo, number, "ghs_chaos_faults")
                .ListCheckRunsByRef(owner, repo)
                .RespondFile(owner, repo, ".github/ghbot.yml", ChaosGates.Config("true"));
        }

        var queue = TemporalServerFixture.NewTaskQueue();
        using var worker = GhbotWorker.Start(temporal.Address, queue, dataDir.Path, github, faults.ApiBaseUrl);

        var clock = Stopwatch.StartNew();
        var handles = await ChaosGates.StartAsync(temporal.Client, queue, prs.Select(pr => ChaosGates.Input(repos[pr.Number].Repo, pr, remote, repos[pr.Number].Owner, pr.Number)));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var results = handles.Select(h => h.GetResultAsync<QualityGateResult>(rpcOptions: new() { CancellationToken = deadline.Token })).ToList();
        try
        {
            await Task.WhenAll(results);
        }
        catch (OperationCanceledException ex)
        {
            throw new Xunit.Sdk.XunitException($"{results.Count(r => !r.IsCompletedSuccessfully)} of {Gates} gates did not end within 3 minutes.\n{worker.Output}", ex);
        }

        var elapsed = clock.Elapsed;
        Assert.All(results, r => Assert.True(r.Result.CanMerge, string.Join("; ", r.Result.BlockingIssues)));
        var (checkRuns, comments) = prs.Select(pr => ChaosGates.AssertNothingMadeTwice(github, repos[pr.Number].Repo, [pr], repos[pr.Number].Owner))
            .Aggregate((a, b) => (a.CheckRuns + b.CheckRuns, a.Comments + b.Comments));
        github.AssertNoUnexpectedRequests();

        var log = faults.Log;
        var failed = log.Where(e => e.Status is 429 or 403 or >= 500).ToList();
        Assert.True(failed.Count > 0, "no call failed: the test proves nothing");
        var waits = faults.RetryWaits();
        Assert.NotEmpty(waits);
        var tooSoon = waits.Where(w => w.Waited < TimeSpan.FromSeconds(w.RetryAfter)).ToList();
        var retried = await ChaosGates.RetriedAttemptsAsync(handles);
        output.WriteLine($"gates {Gates}, all completed and mergeable in {elapsed.TotalSeconds:0.0}s");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GitHub calls {log.Count}, failed {failed.Count} ({100.0 * failed.Count / log.Count:0}%): 5xx {failed.Count(e => e.Status >= 500 && !e.AnswerLost)}, 502 after the write (answer lost) {failed.Count(e => e.AnswerLost)} of which POSTs {failed.Count(e => e.AnswerLost && e.Method == "POST")}, 429 {failed.Count(e => e.Status == 429)}, 403 secondary {failed.Count(e => e.Status == 403)}"));
        foreach (var group in waits.GroupBy(w => w.RetryAfter).OrderBy(g => g.Key))
        {
            var seconds = group.Select(w => w.Waited.TotalSeconds).ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Retry-After {group.Key}s: {seconds.Count} retries, waited min {seconds.Min():0.00}s, median {ChaosGates.Median(seconds):0.00}s, max {seconds.Max():0.00}s"));
        }

        output.WriteLine($"check runs made {checkRuns}, comments made {comments}; activity retries: {retried.Values.Sum()}: {ChaosGates.Describe(retried)}");
        Assert.True(tooSoon.Count == 0, "retried sooner than Retry-After: " + string.Join("; ", tooSoon.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Request} after {w.Waited.TotalSeconds:0.00}s (asked {w.RetryAfter}s)"))));
    }
}

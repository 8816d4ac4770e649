using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Temporalio.Client;
using Xunit.Abstractions;

namespace GitHubBot.App.Tests.Chaos;

/// <summary>
/// <c>ghbot serve</c> with its embedded Temporal server, gates running: the server's process killed with SIGKILL
/// (serve starts it again on its database), and serve itself stopped and started again on its DataDir. Every gate
/// ends, once.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class EmbeddedTemporalChaosTests(ITestOutputHelper output) : IDisposable
{
    private const int Gates = 10;
    private readonly TempDirectory dataDir = new("ghbot-chaos-embedded-");

    public void Dispose() => dataDir.Dispose();

    [Fact]
    public async Task Gates_complete_when_the_embedded_Temporal_server_is_killed_mid_run_and_serve_starts_it_again()
    {
        var random = new Random(ChaosGates.Seed(output, "embedded Temporal kill -9"));
        var (github, remote, repo, prs) = await ArrangeAsync("chaos-temporal");
        using var disposeGithub = github;
        using var disposeRemote = remote;
        var temporalPort = TestPorts.Free();
        using var serve = await ServeProcess.StartAsync(dataDir.Path, temporalPort, github);
        var clock = Stopwatch.StartNew();
        var (ids, refusedFirst) = await DeliverAsync(serve, repo, remote, prs);

        await Task.Delay(TimeSpan.FromSeconds(1 + random.NextDouble() * 2));
        var server = TemporalChildOf(serve.ProcessId);
        var running = await RunningAsync(temporalPort, ids);
        Assert.True(running > 0, "every gate had ended before the kill: the test proves nothing");
        server.Kill();
        var killedAt = clock.Elapsed;

        // Meanwhile /healthz/ready says Temporal is unreachable; then it is ready again, with the same database.
        var sawDegraded = false;
        TimeSpan? backAt = null;
        while (clock.Elapsed - killedAt < TimeSpan.FromSeconds(60))
        {
            var ready = await ReadyAsync(serve);
            sawDegraded |= ready.Temporal != "Healthy";
            if (sawDegraded && ready.Temporal == "Healthy")
            {
                backAt = clock.Elapsed;
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(sawDegraded, "/healthz/ready never reported Temporal down after its process was killed");
        Assert.True(backAt is not null, $"the embedded Temporal server was not started again within 60 s of its kill:\n{serve.Output}");

        // Serve said so (the line may follow the frontend's first answer by a moment).
        for (var wait = 0; wait < 50 && !serve.Output.Contains("was started again on", StringComparison.Ordinal); wait++)
        {
            await Task.Delay(200);
        }

        Assert.Contains("is gone (its port refuses connections)", serve.Output, StringComparison.Ordinal);
        Assert.Contains("was started again on", serve.Output, StringComparison.Ordinal);

        var results = await ResultsAsync(temporalPort, ids, serve);
        Assert.All(results, r => Assert.True(r.CanMerge, string.Join("; ", r.BlockingIssues)));
        var (checkRuns, comments) = ChaosGates.AssertNothingMadeTwice(github, repo, prs);
        github.AssertNoUnexpectedRequests();
        output.WriteLine($"gates {Gates}, {running} running at the kill ({killedAt.TotalSeconds:0.0}s); deliveries answered 503 before the kill: {refusedFirst}");
        output.WriteLine($"Temporal down (kill → /healthz/ready Healthy again): {(backAt!.Value - killedAt).TotalSeconds:0.0}s; all gates ended at {clock.Elapsed.TotalSeconds:0.0}s");
        output.WriteLine($"check runs made {checkRuns}, comments made {comments}");
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task Gates_complete_when_serve_is_stopped_and_started_again_on_its_DataDir_mid_run()
    {
        var random = new Random(ChaosGates.Seed(output, "serve SIGTERM and start again"));
        var (github, remote, repo, prs) = await ArrangeAsync("chaos-serve");
        using var disposeGithub = github;
        using var disposeRemote = remote;
        var temporalPort = TestPorts.Free();
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> ids;
        int running;
        TimeSpan stopped;
        using (var first = await ServeProcess.StartAsync(dataDir.Path, temporalPort, github))
        {
            (ids, _) = await DeliverAsync(first, repo, remote, prs);
            await Task.Delay(TimeSpan.FromSeconds(1 + random.NextDouble() * 2));
            running = await RunningAsync(temporalPort, ids);
            Assert.True(running > 0, "every gate had ended before serve stopped: the test proves nothing");
            var stopping = Stopwatch.StartNew();
            Assert.Equal(0, await first.StopAsync());
            stopped = stopping.Elapsed;
        }

        var restart = Stopwatch.StartNew();
        using var second = await ServeProcess.StartAsync(dataDir.Path, temporalPort, github);
        var startedAgain = restart.Elapsed;
        var results = await ResultsAsync(temporalPort, ids, second);
        Assert.All(results, r => Assert.True(r.CanMerge, string.Join("; ", r.BlockingIssues)));
        var (checkRuns, comments) = ChaosGates.AssertNothingMadeTwice(github, repo, prs);
        github.AssertNoUnexpectedRequests();
        output.WriteLine($"gates {Gates}, {running} running at SIGTERM; serve stopped in {stopped.TotalSeconds:0.0}s, started again (healthy) in {startedAgain.TotalSeconds:0.0}s; all gates ended at {clock.Elapsed.TotalSeconds:0.0}s");
        output.WriteLine($"check runs made {checkRuns}, comments made {comments}");
        Assert.Equal(0, await second.StopAsync());
    }

    private static async Task<(GitHubFake, FixtureRepository, string, IReadOnlyList<(int Number, string Sha, string Branch)>)> ArrangeAsync(string prefix)
    {
        var repo = $"{prefix}-{Guid.NewGuid():N}"[..24];
        var github = new GitHubFake();
        github.ExpectGate(ChaosGates.Owner, repo, 1, "ghs_chaos_serve")
            .ListCheckRunsByRef(ChaosGates.Owner, repo)
            .RespondFile(ChaosGates.Owner, repo, ".github/ghbot.yml", ChaosGates.Config("sleep 2"));
        var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        return (github, remote, repo, await ChaosGates.PullRequestsAsync(remote, Gates));
    }

    /// <summary>Delivers pull_request.opened of each PR; a 503 (Temporal down) is delivered again a second later, as GitHub's redelivery would.</summary>
    private static async Task<(IReadOnlyList<string> Ids, int Refused)> DeliverAsync(ServeProcess serve, string repo, FixtureRepository remote, IEnumerable<(int Number, string Sha, string Branch)> prs)
    {
        var ids = new List<string>();
        var refused = 0;
        foreach (var pr in prs)
        {
            var payload = WebhookSender.Load("pull_request.opened.json").WithHead(remote, pr.Sha, pr.Branch);
            payload["repository"]!["name"] = repo;
            payload["repository"]!["full_name"] = $"{ChaosGates.Owner}/{repo}";
            payload["number"] = pr.Number;
            payload["pull_request"]!["number"] = pr.Number;
            for (var attempt = 1; ; attempt++)
            {
                using var response = await serve.Webhooks.PostAsync("pull_request", payload, deliveryId: $"chaos-{repo}-{pr.Number}");
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    ids.Add((await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!);
                    break;
                }

                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 60, $"delivery of PR #{pr.Number}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                refused++;
                await Task.Delay(1000);
            }
        }

        return (ids, refused);
    }

    /// <summary>How many of the gates are still running.</summary>
    private static async Task<int> RunningAsync(int temporalPort, IEnumerable<string> ids)
    {
        var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        var running = 0;
        foreach (var id in ids)
        {
            running += (await client.GetWorkflowHandle(id).DescribeAsync()).Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running ? 1 : 0;
        }

        return running;
    }

    private static async Task<QualityGateResult[]> ResultsAsync(int temporalPort, IEnumerable<string> ids, ServeProcess serve)
    {
        var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var results = ids.Select(id => client.GetWorkflowHandle(id).GetResultAsync<QualityGateResult>(rpcOptions: new() { CancellationToken = deadline.Token })).ToList();
        try
        {
            return await Task.WhenAll(results);
        }
        catch (OperationCanceledException ex)
        {
            throw new Xunit.Sdk.XunitException($"{results.Count(r => !r.IsCompletedSuccessfully)} gates did not end within 2 minutes:\n{serve.Output}", ex);
        }
    }

    private static async Task<(string Status, string? Temporal)> ReadyAsync(ServeProcess serve)
    {
        using var response = await serve.Http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ((string)body["status"]!, (string?)body["checks"]?["temporal"]?["status"]);
    }

    /// <summary>The embedded Temporal server: the child process of serve that runs the Temporal CLI. Missing: the test fails saying so.</summary>
    private static Process TemporalChildOf(int parent)
    {
        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")).Where(File.Exists))
        {
            string text;
            try
            {
                text = File.ReadAllText(stat);
            }
            catch (IOException)
            {
                continue; // the process ended while we looked
            }

            // pid (comm) state ppid …
            var close = text.LastIndexOf(')');
            var fields = text[(close + 2)..].Split(' ');
            var comm = text[(text.IndexOf('(') + 1)..close];
            if (comm == "temporal" && int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
            {
                return Process.GetProcessById(int.Parse(text[..text.IndexOf(' ')], CultureInfo.InvariantCulture));
            }
        }

        throw new Xunit.Sdk.XunitException($"serve (process {parent}) has no child process named temporal: no embedded Temporal server to kill");
    }
}

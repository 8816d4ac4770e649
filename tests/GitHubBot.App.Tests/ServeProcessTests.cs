using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace GitHubBot.App.Tests;

/// <summary>`ghbot serve` as a real process with its embedded Temporal server, restarted on the same DataDir.</summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly TempDirectory temp = new("ghbot-serve-");

    private string dataDir => temp.Path;

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_workflow_started_before_a_restart_is_still_there_after_it()
    {
        using var github = new GitHubFake();
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("changes", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo).WithHead(remote, sha, "changes");
        github.ExpectGate("Codertocat", repo, 1, "ghs_serve", 77);
        var temporalPort = TestPorts.Free();

        string workflowId;
        using (var first = await ServeProcess.StartAsync(dataDir, temporalPort, github))
        {
            using var response = await first.Webhooks.PostAsync("pull_request", payload, deliveryId: "before-restart");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            workflowId = (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!;
            var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
            await (await client.StartedAsync(workflowId)).GetResultAsync<QualityGateResult>();
            Assert.Equal(0, await first.StopAsync());
        }

        Assert.True(File.Exists(Path.Combine(dataDir, "temporal.db")));
        using var second = await ServeProcess.StartAsync(dataDir, temporalPort, github);
        var again = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        var description = await again.GetWorkflowHandle(workflowId).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Completed, description.Status);
        Assert.Equal("before-restart", await description.Memo["deliveryId"].ToValueAsync<string>());

        using var redelivery = await second.Webhooks.PostAsync("pull_request", payload, deliveryId: "before-restart");
        Assert.Equal(HttpStatusCode.Accepted, redelivery.StatusCode);
        Assert.Equal(workflowId, (await redelivery.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId);
        Assert.Single(github.RequestsTo("POST", $"/repos/Codertocat/{repo}/check-runs"));
        Assert.Equal(0, await second.StopAsync());
    }

    [Fact]
    public async Task SIGTERM_while_a_check_runs_lets_it_finish_within_the_grace_period_and_exits_0()
    {
        using var github = new GitHubFake();
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("slow", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo).WithHead(remote, sha, "slow");
        github.ExpectGate("Codertocat", repo, 1, "ghs_grace", 500)
            .RespondFile("Codertocat", repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"sleep 8 && test -f feature.txt\" }\n");
        var temporalPort = TestPorts.Free();
        var grace = new Dictionary<string, string> { ["Worker__GracefulShutdownTimeout"] = "00:00:20" };

        string workflowId;
        using (var serve = await ServeProcess.StartAsync(dataDir, temporalPort, github, grace))
        {
            using var response = await serve.Webhooks.PostAsync("pull_request", payload, deliveryId: "graceful");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            workflowId = (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!;
            var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
            await client.StartedAsync(workflowId);
            var clock = Stopwatch.StartNew();
            while (!(await client.WorkflowService.DescribeWorkflowExecutionAsync(new() { Namespace = "default", Execution = new() { WorkflowId = workflowId } }))
                .PendingActivities.Any(a => a.ActivityType.Name == "RunCheck"))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), serve.Output);
                await Task.Delay(100);
            }

            // The check sleeps 8 s: serve waits for it (the grace period is 20 s) and then exits 0. The intake
            // stops first: while the check still runs, no new connection is taken.
            var stopping = Stopwatch.StartNew();
            await serve.TerminateAsync();
            await Task.Delay(1500);
            Assert.True(serve.Running, "serve ended before its check finished");
            await Assert.ThrowsAsync<HttpRequestException>(async () =>
            {
                using var fresh = new HttpClient { BaseAddress = serve.BaseAddress };
                using var refused = await fresh.GetAsync(new Uri("/healthz/live", UriKind.Relative));
            });
            Assert.Equal(0, await serve.ExitCodeAsync());
            Assert.True(stopping.Elapsed > TimeSpan.FromSeconds(4), $"serve stopped in {stopping.Elapsed}, before the check could finish");
        }

        // The check finished in the first process, at its first attempt: the next serve only completes the gate.
        using var second = await ServeProcess.StartAsync(dataDir, temporalPort, github);
        var again = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        var result = await again.GetWorkflowHandle(workflowId).GetResultAsync<QualityGateResult>().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.CanMerge, string.Join("; ", result.BlockingIssues));
        var history = await again.GetWorkflowHandle(workflowId).FetchHistoryAsync();
        var checks = history.Events.Where(e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == "RunCheck").Select(e => e.EventId).ToHashSet();
        var started = history.Events.Where(e => e.ActivityTaskStartedEventAttributes is { } a && checks.Contains(a.ScheduledEventId)).ToList();
        Assert.NotEmpty(started);
        Assert.All(started, e => Assert.Equal(1, e.ActivityTaskStartedEventAttributes.Attempt));
        Assert.Equal(checks.Count, history.Events.Count(e => e.ActivityTaskCompletedEventAttributes is { } a && checks.Contains(a.ScheduledEventId)));
        Assert.Equal(0, await second.StopAsync());
    }

    [Fact]
    public async Task Without_an_App_serve_starts_in_Setup_mode_and_says_where_to_set_it_up_in_one_line()
    {
        var temporalPort = TestPorts.Free();
        using var serve = await ServeProcess.StartAsync(dataDir, temporalPort, github: null);

        using var refused = await serve.Webhooks.PostAsync("ping", System.Text.Encoding.UTF8.GetBytes("{}"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var setup = $"{serve.BaseAddress.ToString().TrimEnd('/')}/setup";
        var reason = (await refused.Content.ReadFromJsonAsync<WebhookAnswer>())!.Reason;
        Assert.Equal($"GitHubBot is not set up: open {setup}", reason);
        Assert.Single(serve.Output.Split('\n'), line => line.Contains("has no GitHub App yet", StringComparison.Ordinal));
        Assert.Matches($"GitHubBot has no GitHub App yet: open {System.Text.RegularExpressions.Regex.Escape(setup)}\\?token=[A-Za-z0-9_-]{{43}}", serve.Output);

        // The token is in the log line alone: the page refuses whoever has not read it, and deliveries never learn it.
        using var withoutToken = await serve.Http.GetAsync(new Uri(setup));
        Assert.Equal(HttpStatusCode.Forbidden, withoutToken.StatusCode);
        Assert.DoesNotContain("token=", reason, StringComparison.Ordinal);

        // The embedded Temporal server runs and workers poll it, waiting for the App.
        var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        var queue = await client.WorkflowService.DescribeTaskQueueAsync(new()
        {
            Namespace = "default",
            TaskQueue = new() { Name = "ghbot" },
            TaskQueueType = TaskQueueType.Activity,
        });
        Assert.NotEmpty(queue.Pollers);
        Assert.Equal(0, await serve.StopAsync());
    }
}

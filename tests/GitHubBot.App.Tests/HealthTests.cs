using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Common;
using GitHubBot.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GitHubBot.App.Tests;

/// <summary>/healthz/live and /healthz/ready as a load balancer or Kubernetes reads them, and a failed worker.</summary>
[Collection(TemporalCollection.Name)]
public sealed class HealthTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task Ready_is_healthy_with_each_check_named_and_turns_unhealthy_once_the_process_is_stopping()
    {
        using var github = new GitHubFake();
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), github);

        var (status, ready) = await ReadyAsync(bot.Http, until: body => Check(body, "workers") == "Healthy");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", (string?)ready["status"]);
        foreach (var name in new[] { "temporal", "workers", "datadir", "setup", "lifetime" })
        {
            Assert.Equal("Healthy", Check(ready, name));
        }

        Assert.Contains("1 workers running", (string?)ready["checks"]!["workers"]!["description"], StringComparison.Ordinal);
        using (var live = await bot.Http.GetAsync(new Uri("/healthz/live", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        // SIGTERM's first step: the process says it is not ready any more while it still answers.
        bot.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        (status, ready) = await ReadyAsync(bot.Http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", Check(ready, "lifetime"));
        Assert.StartsWith("stopping", (string?)ready["checks"]!["lifetime"]!["description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_that_fails_leaves_the_intake_answering_and_is_made_again_once_Temporal_is_there()
    {
        using var github = new GitHubFake();
        var port = TestPorts.Free();
        await using var bot = await BotHost.StartAsync($"127.0.0.1:{port}", TemporalServerFixture.NewTaskQueue(), github);

        var (status, ready) = await ReadyAsync(bot.Http, until: body => Failed(body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", (string?)ready["status"]);
        Assert.Contains("1 of 1 workers not polling", (string?)ready["checks"]!["workers"]!["description"], StringComparison.Ordinal);
        Assert.Equal("Degraded", Check(ready, "temporal"));
        Assert.Contains(bot.Logs.Entries, entry => entry.StartsWith("Critical", StringComparison.Ordinal) && entry.Contains("failed and polls no more", StringComparison.Ordinal));

        // The process still answers: live, and the intake (202: the delivery waits in the inbox until Temporal is there).
        using (var live = await bot.Http.GetAsync(new Uri("/healthz/live", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var delivery = await bot.Webhooks.PostFixtureAsync("pull_request.opened.json"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delivery.StatusCode);
            Assert.StartsWith("in the inbox", (await delivery.Content.ReadFromJsonAsync<WebhookAnswer>())!.Reason, StringComparison.Ordinal);
        }

        (_, ready) = await ReadyAsync(bot.Http);
        Assert.Contains("deliveries are accepted into the inbox (1 waiting)", (string?)ready["checks"]!["temporal"]!["description"], StringComparison.Ordinal);

        Assert.False(bot.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);

        // Temporal comes up: the worker is made again after its backoff and polls; ready is healthy again.
        await using var server = await TemporalServerFixture.StartLocalAsync(new()
        {
            TargetHost = $"127.0.0.1:{port}",
            DevServerOptions = new() { ExistingPath = TemporalServerFixture.CliPath(), LogLevel = "error" },
        });
        (status, ready) = await ReadyAsync(bot.Http, until: body => (string?)body["status"] == "Healthy", TimeSpan.FromSeconds(90));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("1 workers running \\(\\d+ restarts after failures\\)", (string?)ready["checks"]!["workers"]!["description"]);

        // and the delivery that waited in the inbox became its workflow
        await server.Client.StartedAsync(WorkflowIds.QualityGate("Codertocat", "Hello-World", 2, "ec26c3e57ca3a959ca5aad62de7213c562f8c821"), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Ready_is_degraded_in_setup_mode_saying_so_and_unhealthy_when_DataDir_takes_no_files()
    {
        await using (var setup = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["GitHub:WebhookSecret"] = null }))
        {
            var (status, ready) = await ReadyAsync(setup.Http);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Degraded", (string?)ready["status"]);
            Assert.Equal("Degraded", Check(ready, "setup"));
            Assert.StartsWith("GitHubBot is not set up: open /setup", (string?)ready["checks"]!["setup"]!["description"], StringComparison.Ordinal);
        }

        using var folder = new TempDirectory("ghbot-health-");
        var notADirectory = Path.Combine(folder.Path, "a-file");
        await File.WriteAllTextAsync(notADirectory, "not a directory");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["DataDir"] = notADirectory });
        var (unhealthy, body) = await ReadyAsync(bot.Http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy);
        Assert.Equal("Unhealthy", Check(body, "datadir"));
        Assert.Contains("is not writable", (string?)body["checks"]!["datadir"]!["description"], StringComparison.Ordinal);
        Assert.Equal("Unhealthy", Check(body, "inbox"));
        Assert.Contains("is not open", (string?)body["checks"]!["inbox"]!["description"], StringComparison.Ordinal);
        using var refused = await bot.Webhooks.PostFixtureAsync("pull_request.opened.json");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("Healthy", Check(body, "temporal"));
    }

    private static string? Check(JsonNode body, string name) => (string?)body["checks"]?[name]?["status"];

    private static bool Failed(JsonNode body) =>
        Check(body, "workers") == "Unhealthy" && ((string?)body["checks"]?["workers"]?["description"])?.Contains("starting", StringComparison.Ordinal) == false;

    /// <summary>GET /healthz/ready, again until <paramref name="until"/> holds (at most <paramref name="within"/>, 30 s).</summary>
    private static async Task<(HttpStatusCode Status, JsonNode Body)> ReadyAsync(HttpClient http, Func<JsonNode, bool>? until = null, TimeSpan? within = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            if (until is null || until(body) || clock.Elapsed > (within ?? TimeSpan.FromSeconds(30)))
            {
                return (response.StatusCode, body);
            }

            await Task.Delay(250);
        }
    }
}

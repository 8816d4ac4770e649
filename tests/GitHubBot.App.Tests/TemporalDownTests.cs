using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using GitHubBot.App.Webhooks;
using GitHubBot.Testing;
using Temporalio.Testing;

namespace GitHubBot.App.Tests;

/// <summary>
/// Direct mode (Intake:Mode=direct, no inbox): when Temporal cannot take the start, GitHub must see a failed delivery
/// (503) so it can redeliver. (Inbox mode accepts it and starts it later: InboxTests.)
/// </summary>
public sealed class TemporalDownTests
{
    [Fact]
    public async Task Temporal_stopped_after_start_up_gives_503_and_a_later_redelivery_is_accepted()
    {
        var port = TestPorts.Free();
        var server = await StartServerAsync(port);
        var stopped = false;
        try
        {
            await AcceptedThenUnavailableThenAcceptedAsync(port, server, () => stopped = true);
        }
        finally
        {
            if (!stopped)
            {
                await server.ShutdownAsync();
            }
        }
    }

    private static async Task AcceptedThenUnavailableThenAcceptedAsync(int port, WorkflowEnvironment server, Action markStopped)
    {
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        await using var bot = await BotHost.StartAsync($"127.0.0.1:{port}", taskQueue, extra: Direct);

        var payload = Payloads.InOwnRepository("pull_request.opened.json", out _);
        using (var before = await bot.Webhooks.PostAsync("pull_request", payload, deliveryId: "before"))
        {
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        }

        await server.ShutdownAsync();
        markStopped();
        var down = Payloads.InOwnRepository("pull_request.opened.json", out _);
        var clock = Stopwatch.StartNew();
        using (var during = await bot.Webhooks.PostAsync("pull_request", down, deliveryId: "during"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal("unavailable", (await during.Content.ReadFromJsonAsync<WebhookAnswer>())!.Outcome);
        }

        Assert.True(clock.Elapsed < WorkflowStarter.StartTimeout + TimeSpan.FromSeconds(3), $"503 took {clock.Elapsed}");

        // GitHub redelivers the failed delivery once Temporal is back: it is accepted then.
        await using var restarted = await StartServerAsync(port);
        using var redelivered = await bot.Webhooks.PostAsync("pull_request", down, deliveryId: "during");
        Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
    }

    [Fact]
    public async Task Temporal_never_reachable_gives_503()
    {
        await using var bot = await BotHost.StartAsync($"127.0.0.1:{TestPorts.Free()}", TemporalServerFixture.NewTaskQueue(), extra: Direct);

        using var response = await bot.Webhooks.PostFixtureAsync("pull_request.opened.json");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    private static readonly Dictionary<string, string?> Direct = new() { ["Intake:Mode"] = "direct" };

    /// <summary>A dev server on <paramref name="port"/> (a start that timed out on a busy machine is tried again).</summary>
    private static Task<WorkflowEnvironment> StartServerAsync(int port) =>
        TemporalServerFixture.StartLocalAsync(new()
        {
            TargetHost = $"127.0.0.1:{port}",
            DevServerOptions = new() { ExistingPath = TemporalServerFixture.CliPath(), LogLevel = "error" },
        });
}

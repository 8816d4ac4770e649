using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GitHubBot.App.Inbox;
using GitHubBot.Core.Common;
using GitHubBot.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GitHubBot.App.Tests.Chaos;

/// <summary>
/// The inbox under duress: a storm of duplicates, and serve killed with SIGKILL under load. Every 202 must become
/// exactly one workflow. Figures are written to the test output (docs/reliability.md records a run's).
/// </summary>
[Collection(TemporalCollection.Name)]
[Trait("Category", "Chaos")]
public sealed class InboxChaosTests(TemporalServerFixture temporal, ITestOutputHelper log)
{
    private const string Sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    [Fact]
    public async Task Ten_thousand_deliveries_with_heavy_duplication_make_exactly_one_workflow_per_business_key()
    {
        const int Keys = 200, Copies = 50, Concurrency = 32;
        var seed = Environment.TickCount;
        log.WriteLine($"seed {seed}");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue());
        var template = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var bodies = Enumerable.Range(1, Keys).Select(pr =>
        {
            var payload = template.DeepClone().AsObject();
            payload["number"] = pr;
            payload["pull_request"]!["number"] = pr;
            return Encoding.UTF8.GetBytes(payload.ToJsonString());
        }).ToArray();

        // Every key 50 times, each with a delivery ID of its own, shuffled: copies of a key arrive side by side and apart.
        var sends = Enumerable.Range(0, Keys * Copies).Select(i => i % Keys).ToArray();
        new Random(seed).Shuffle(sends);
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < sends.Length)
            {
                using var response = await bot.Webhooks.PostAsync("pull_request", bodies[sends[i]], deliveryId: Guid.NewGuid().ToString());
                statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            }
        }));
        var posted = clock.Elapsed;

        Assert.Equal(Keys * Copies, statuses.GetValueOrDefault(HttpStatusCode.Accepted));
        var inbox = bot.Services.GetRequiredService<DeliveryInbox>();
        await InboxTests.UntilAsync(() => inbox.Backlog == 0, "the inbox drained", TimeSpan.FromSeconds(120));
        var drained = clock.Elapsed;
        var query = $"WorkflowId STARTS_WITH 'gate/Codertocat/{repo}/'";
        await InboxTests.UntilAsync(() => temporal.Client.CountWorkflowsAsync(query).Result.Count >= Keys, "visibility shows every workflow", TimeSpan.FromSeconds(60));
        await Task.Delay(500);

        Assert.Equal(Keys, (await temporal.Client.CountWorkflowsAsync(query)).Count); // runs, so a second run of a key would count
        Assert.Equal(Keys, InboxTests.Journal(bot).Count(entry => entry.WorkflowId.Contains(repo, StringComparison.Ordinal)));
        log.WriteLine($"{Keys * Copies} deliveries ({Keys} keys × {Copies}) at {Concurrency} at once: all 202 in {posted.TotalSeconds:0.0} s ({Keys * Copies / posted.TotalSeconds:0} req/s); {Keys} journal entries; {Keys} workflows, drained {drained.TotalSeconds:0.0} s after the first post");
    }

    [Fact]
    public async Task Serve_killed_with_SIGKILL_or_stopped_with_SIGTERM_under_load_and_started_again_makes_every_202_exactly_one_workflow()
    {
        // Three SIGKILLs, then a SIGTERM under the same load (the intake stops, the inbox commits what it answered, exit 0).
        const int Kills = 4, Concurrency = 8;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        log.WriteLine($"seed {seed}");
        using var dataDir = new TempDirectory("ghbot-chaos-inbox-");
        var environment = new Dictionary<string, string>
        {
            ["Temporal__Address"] = temporal.Address,
            ["Worker__Enabled"] = "false",
            ["GitHub__WebhookSecret"] = BotHost.Secret,
            ["Intake__FreshnessWindow"] = "36500.00:00:00",
        };
        var template = Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var accepted = new ConcurrentBag<int>();
        var failed = 0;
        var sent = 0;
        var serve = await ServeProcess.StartAsync(dataDir.Path, TestPorts.Free(), null, environment);
        try
        {
            for (var round = 0; round <= Kills; round++)
            {
                using var stop = new CancellationTokenSource();
                var current = serve;
                var load = Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var pr = Interlocked.Increment(ref sent);
                        var payload = template.DeepClone().AsObject();
                        payload["number"] = pr;
                        payload["pull_request"]!["number"] = pr;
                        try
                        {
                            using var response = await current.Webhooks.PostAsync("pull_request", payload, deliveryId: Guid.NewGuid().ToString());
                            if (response.StatusCode == HttpStatusCode.Accepted)
                            {
                                accepted.Add(pr);
                            }
                            else
                            {
                                Interlocked.Increment(ref failed);
                            }
                        }
                        catch (HttpRequestException)
                        {
                            Interlocked.Increment(ref failed); // killed mid-request: not answered, so not promised
                            await Task.Delay(20);
                        }
                    }
                }));

                // Kill at a random moment under load (the last round runs to the end instead).
                await Task.Delay(random.Next(300, 1500));
                if (round == Kills - 1)
                {
                    Assert.Equal(0, await serve.StopAsync());
                    Assert.Contains("Inbox closed", serve.Output, StringComparison.Ordinal);
                    await Task.Delay(100);
                    stop.Cancel();
                    await load;
                    serve.Dispose();
                    serve = await ServeProcess.StartAsync(dataDir.Path, TestPorts.Free(), null, environment);
                }
                else if (round < Kills)
                {
                    await serve.KillAsync();
                    await Task.Delay(100);
                    stop.Cancel();
                    await load;
                    serve.Dispose();
                    serve = await ServeProcess.StartAsync(dataDir.Path, TestPorts.Free(), null, environment);
                }
                else
                {
                    stop.Cancel();
                    await load;
                }
            }

            var keys = accepted.ToHashSet();
            foreach (var pr in keys)
            {
                await temporal.Client.StartedAsync(WorkflowIds.QualityGate("Codertocat", repo, pr, Sha), TimeSpan.FromSeconds(60));
            }

            var query = $"WorkflowId STARTS_WITH 'gate/Codertocat/{repo}/'";
            var ids = new List<string>();
            await InboxTests.UntilAsync(() => temporal.Client.CountWorkflowsAsync(query).Result.Count >= keys.Count, "visibility shows every workflow", TimeSpan.FromSeconds(60));
            await Task.Delay(500);
            await foreach (var execution in temporal.Client.ListWorkflowsAsync(query))
            {
                ids.Add(execution.Id);
            }

            Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count()); // no key has a second run
            Assert.Superset(keys.Select(pr => WorkflowIds.QualityGate("Codertocat", repo, pr, Sha)).ToHashSet(StringComparer.Ordinal), ids.ToHashSet(StringComparer.Ordinal));
            Assert.True(ids.Count <= sent, $"{ids.Count} workflows from {sent} deliveries");
            log.WriteLine($"{Kills - 1} SIGKILLs and a SIGTERM under {Concurrency} concurrent senders: {sent} deliveries sent, {keys.Count} answered 202, {failed} cut off or refused; {ids.Count} workflows (every 202 among them, {ids.Count - keys.Count} more from deliveries committed but not yet answered when killed), no key twice");
        }
        finally
        {
            serve.Dispose();
        }
    }
}

using GitHubBot.Core.Redelivery;
using GitHubBot.Testing;
using GitHubBot.Workflows.Redelivery;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// The redelivery sweeper against GitHub's delivery log faked over HTTP (App JWT checked on every request, the exact
/// query verified), on the real dev server: which GUIDs get a redelivery request, how the log is paged and bounded,
/// rate limits waited for as GitHub asks, once per GUID across sweeps, and the intake's ledger.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class RedeliverySweepTests(TemporalServerFixture temporal)
{
    /// <summary>A sweep of a day's window with no pause between requests (tests need not spread them).</summary>
    private static readonly RedeliverySweepInput Day = new() { Window = TimeSpan.FromDays(1), PauseBetweenRequests = TimeSpan.Zero };

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task Three_pages_are_read_to_the_windows_edge_and_exactly_the_failed_guids_are_asked_for()
    {
        using var rig = new Rig(temporal.Client);
        var ids = Log(rig.GitHub);
        rig.GitHub.ServeDeliveries(pageSize: 4).ServeRedeliveries();

        var (result, history) = await rig.SweepAsync(Day);

        // Pages 1–3: the third reaches past the window, so the fourth (listed in its Link) is not asked for.
        Assert.Equal(["per_page=100", $"per_page=100&cursor=v1_{ids["ok-1"]}", $"per_page=100&cursor=v1_{ids["ok-2"]}"], rig.GitHub.DeliveryPageRequests.Select(q => q.TrimStart('?')));

        // The failed GUIDs of the window, oldest first, each once; not the delivered, the redelivered, the too old.
        Assert.Equal([ids["fail-d"], ids["fail-c"], ids["fail-b"], ids["fail-a"]], rig.GitHub.RedeliveryRequests.Select(r => r.DeliveryId));
        Assert.Equal(new RedeliverySweepResult { Listed = 10, Pages = 3, Failed = 5, AlreadyRedelivered = 1, Requested = 4 }, result);
        Assert.Empty(rig.GitHub.JwtProblems);
        rig.GitHub.AssertNoUnexpectedRequests();

        if (ReplayTests.HistoryVersion("redelivery-sweep") is { } version)
        {
            await ReplayTests.WriteHistoryAsync($"redelivery-sweep-{version}", history);
        }
    }

    [Fact]
    public async Task A_second_sweep_over_the_same_log_asks_for_nothing_once_each_guid_was_redelivered()
    {
        using var rig = new Rig(temporal.Client);
        Log(rig.GitHub);
        rig.GitHub.ServeDeliveries(pageSize: 4).ServeRedeliveries(redeliveredStatus: 503);

        var (first, _) = await rig.SweepAsync(Day);
        var (second, _) = await rig.SweepAsync(Day);

        Assert.Equal(4, first.Requested);

        // The log now holds a failed attempt with redelivery: true for each: GitHub's own record of "asked once".
        Assert.Equal(0, second.Requested);
        Assert.Equal(5, second.AlreadyRedelivered);
        Assert.Equal(4, rig.GitHub.RedeliveryRequests.Count);
        Assert.Equal(2, rig.GitHub.DeliveriesOf("fail-a").Count);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    public static TheoryData<int, string, string?> RateLimits => new()
    {
        { 429, "Too Many Requests", null },
        { 403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "0" },
    };

    [Theory]
    [MemberData(nameof(RateLimits))]
    public async Task A_rate_limited_request_is_asked_again_after_githubs_retry_after_and_completes(int status, string message, string? remaining)
    {
        using var rig = new Rig(temporal.Client);
        var limited = rig.GitHub.AddDelivery("limited", Now.AddHours(-1), 500);
        var other = rig.GitHub.AddDelivery("other", Now.AddHours(-2), 500);
        var headers = new Dictionary<string, string> { ["Retry-After"] = "2" };
        if (remaining is not null)
        {
            headers["x-ratelimit-remaining"] = remaining;
            headers["x-ratelimit-reset"] = (Now.ToUnixTimeSeconds() + 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        rig.GitHub.ServeDeliveries().ServeRedeliveries().FailRedelivery(limited, status, headers, message);

        var (result, _) = await rig.SweepAsync(Day);

        var asks = rig.GitHub.RedeliveryRequests.Where(r => r.DeliveryId == limited).ToList();
        Assert.Equal(2, asks.Count);
        Assert.True(asks[1].At - asks[0].At >= TimeSpan.FromSeconds(2), $"asked again after {(asks[1].At - asks[0].At).TotalMilliseconds} ms");
        Assert.Equal(2, result.Requested);
        Assert.Equal(0, result.Refused);
        Assert.Contains(rig.GitHub.RedeliveryRequests, r => r.DeliveryId == other);
        Assert.Equal(2, rig.GitHub.DeliveriesOf("limited").Count);
    }

    [Fact]
    public async Task Guids_the_intake_accepted_are_not_asked_for_and_at_most_MaxPerSweep_are()
    {
        var ledger = new Ledger("accepted");
        using var rig = new Rig(temporal.Client, ledger);
        var oldest = rig.GitHub.AddDelivery("oldest", Now.AddHours(-5), 500);
        rig.GitHub.AddDelivery("accepted", Now.AddHours(-4), 0);
        var middle = rig.GitHub.AddDelivery("middle", Now.AddHours(-3), 504);
        rig.GitHub.AddDelivery("newest", Now.AddHours(-2), 500);
        rig.GitHub.AddDelivery("fine", Now.AddHours(-1), 202);
        rig.GitHub.ServeDeliveries().ServeRedeliveries();

        var (result, _) = await rig.SweepAsync(Day with { MaxPerSweep = 2 });

        Assert.Equal(["accepted", "middle", "newest", "oldest"], Assert.Single(ledger.Asked).Order(StringComparer.Ordinal));
        Assert.Equal([oldest, middle], rig.GitHub.RedeliveryRequests.Select(r => r.DeliveryId));
        Assert.Equal(new RedeliverySweepResult { Listed = 5, Pages = 1, Failed = 4, AlreadyAccepted = 1, Requested = 2, Deferred = 1 }, result);
    }

    [Fact]
    public async Task A_next_link_to_another_host_is_not_followed_and_the_pages_read_are_bounded()
    {
        using var elsewhere = new GitHubFake();
        elsewhere.ServeDeliveries();
        var port = new Uri(elsewhere.Server.Url!).Port;
        using (var rig = new Rig(temporal.Client))
        {
            var first = rig.GitHub.AddDelivery("first", Now.AddHours(-1), 500);
            rig.GitHub.AddDelivery("second", Now.AddHours(-2), 500);
            rig.GitHub.ServeDeliveries(pageSize: 1, nextLink: _ => $"http://127.0.0.1:{port}/app/hook/deliveries?per_page=100&cursor=stolen").ServeRedeliveries();

            var (result, _) = await rig.SweepAsync(Day);

            Assert.Single(rig.GitHub.DeliveryPageRequests);
            Assert.Empty(elsewhere.Requests);
            Assert.Equal([first], rig.GitHub.RedeliveryRequests.Select(r => r.DeliveryId));
            Assert.Contains("not followed", result.Incomplete, StringComparison.Ordinal);
        }

        using (var rig = new Rig(temporal.Client))
        {
            for (var hour = 1; hour <= 5; hour++)
            {
                rig.GitHub.AddDelivery($"g{hour}", Now.AddHours(-hour), 500);
            }

            rig.GitHub.ServeDeliveries(pageSize: 1).ServeRedeliveries();

            var (result, _) = await rig.SweepAsync(Day with { MaxPages = 2 });

            Assert.Equal(2, rig.GitHub.DeliveryPageRequests.Count);
            Assert.Equal(2, result.Requested);
            Assert.Contains("Redelivery:MaxPages", result.Incomplete, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The log of the paging test, newest first, four a page: page 1 and 2 inside the window, page 3 reaching past it
    /// (a day), page 4 wholly outside it. Returns the ID of each GUID's first attempt.
    /// </summary>
    private static Dictionary<string, long> Log(GitHubFake github)
    {
        var ids = new Dictionary<string, long>();
        void Add(string guid, int hoursAgo, int status, bool redelivery = false)
        {
            var id = github.AddDelivery(guid, Now.AddHours(-hoursAgo), status, redelivery);
            ids.TryAdd(guid, id);
        }

        Add("ok-3", 31, 200);
        Add("old-3", 30, 500);
        Add("old-2", 26, 500);
        Add("old-1", 25, 500);
        Add("fail-d", 23, 503);
        Add("ok-2", 15, 200);
        Add("fail-c", 11, 422);
        Add("redelivered", 10, 502);
        Add("redelivered", 9, 502, redelivery: true);
        Add("ok-1", 5, 200);
        Add("fail-b", 4, 0);
        Add("fail-a", 3, 500);
        Add("ok-after-retry", 2, 502);
        Add("ok-after-retry", 1, 200, redelivery: true);
        return ids;
    }

    /// <summary>An intake that accepted some GUIDs, remembering what it was asked.</summary>
    private sealed class Ledger(params string[] accepted) : IDeliveryLedger
    {
        public List<IReadOnlyCollection<string>> Asked { get; } = [];

        public ValueTask<IReadOnlySet<string>> AcceptedAsync(IReadOnlyCollection<string> guids, CancellationToken cancellationToken)
        {
            Asked.Add([.. guids]);
            return ValueTask.FromResult<IReadOnlySet<string>>(guids.Intersect(accepted, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal));
        }
    }

    /// <summary>A worker acting as the fake's App, on a task queue of its own.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly ITemporalClient client;
        private readonly TempDirectory workspaces = new("ghbot-redelivery-");
        private readonly ServiceProvider services;
        private readonly string taskQueue = TemporalServerFixture.NewTaskQueue();

        public Rig(ITemporalClient client, IDeliveryLedger? ledger = null)
        {
            this.client = client;
            services = TestWorkers.Services(client, GitHub, workspaces.Path, settings: new Dictionary<string, string?> { ["Gate:Sandbox"] = "off" }, configure: s =>
            {
                if (ledger is not null)
                {
                    s.AddSingleton(ledger);
                }
            });
        }

        public GitHubFake GitHub { get; } = new();

        public async Task<(RedeliverySweepResult Result, WorkflowHistory History)> SweepAsync(RedeliverySweepInput input)
        {
            using var worker = TestWorkers.Create(client, taskQueue, services);
            return await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync(
                    (RedeliverySweepWorkflow wf) => wf.RunAsync(input),
                    new WorkflowOptions($"redelivery-sweep/{taskQueue}-{Guid.NewGuid():N}", taskQueue) { ExecutionTimeout = TimeSpan.FromMinutes(2) });
                var result = await handle.GetResultAsync();
                return (result, await handle.FetchHistoryAsync());
            });
        }

        public void Dispose()
        {
            services.Dispose();
            GitHub.Dispose();
            workspaces.Dispose();
        }
    }
}

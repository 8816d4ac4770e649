using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using GitHubBot.Testing;
using Temporalio.Client;
using Temporalio.Testing;
using Xunit.Abstractions;

namespace GitHubBot.App.Tests;

/// <summary>Runs alone: it measures the process's memory and the metrics every host in the process shares.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileCollection
{
    public const string Name = "Hostile requests";
}

/// <summary>
/// A thousand hostile requests against the real intake (Kestrel on loopback, a real Temporal dev server behind it),
/// written byte by byte to sockets so nothing is tidied up on the way: unsigned, wrongly signed, truncated, 30 MB,
/// stalled, wrong content types, unknown events, signed garbage, random and oversized header values. None may be
/// answered 5xx or start a workflow; the process's memory and the number of metric series stay bounded, and no header
/// value becomes part of /metrics.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed partial class HostileRequestsTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const int OversizeBytes = 30 * 1024 * 1024;
    private static readonly byte[] Oversize = new byte[OversizeBytes];

    private readonly Random random = new(1515);
    private readonly HashSet<string> headerValues = new(StringComparer.Ordinal);
    private WorkflowEnvironment server = null!;
    private BotHost bot = null!;

    public async Task InitializeAsync()
    {
        server = await TemporalServerFixture.StartLocalAsync(new() { DevServerOptions = new() { ExistingPath = TemporalServerFixture.CliPath(), LogLevel = "error" } });
        bot = await BotHost.StartAsync(server.Client.Connection.Options.TargetHost!, TemporalServerFixture.NewTaskQueue());
    }

    public async Task DisposeAsync()
    {
        await bot.DisposeAsync();
        await server.ShutdownAsync();
    }

    [Fact]
    public async Task A_thousand_hostile_requests_get_no_5xx_start_nothing_and_leave_memory_and_metrics_bounded()
    {
        var requests = Mix();
        Assert.Equal(1000, requests.Count);

        // The baseline comes after a warm-up of three requests of each kind (JIT, Kestrel's pools, the answers' label
        // sets), once the series stopped changing: prometheus-net starts listening to .NET's meters at the first scrape
        // and publishes the runtime's counters ten seconds later.
        var warming = Stopwatch.StartNew();
        _ = await bot.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var warmUp = requests.GroupBy(r => r.Kind).SelectMany(kind => kind.Take(3)).ToList();
        await Parallel.ForEachAsync(warmUp, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (request, _) => await SendAsync(request));
        var seriesBefore = await StableSeriesAsync(warming);
        var rssBefore = Rss(collect: true);
        var peak = rssBefore;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(collect: false));
                await Task.Delay(20, CancellationToken.None);
            }
        });

        var results = new System.Collections.Concurrent.ConcurrentBag<(string Kind, int Status, TimeSpan Took)>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (request, _) =>
        {
            var one = Stopwatch.StartNew();
            results.Add((request.Kind, await SendAsync(request), one.Elapsed));
        });
        var took = clock.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        var rssAfter = Rss(collect: true);
        var metrics = await bot.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var seriesAfter = Series(metrics);
        var workflows = await CountWorkflowsAsync();

        foreach (var group in results.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var statuses = string.Join(", ", group.GroupBy(r => r.Status).OrderBy(s => s.Key).Select(s => $"{(s.Key < 0 ? "no answer" : s.Key.ToString(CultureInfo.InvariantCulture))}×{s.Count()}"));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{group.Key,-22} {group.Count(),4}  {statuses,-34} max {group.Max(r => r.Took).TotalMilliseconds,6:F0} ms"));
        }

        var durations = results.Select(r => r.Took.TotalMilliseconds).Order().ToList();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{results.Count} requests in {took.TotalSeconds:F1} s at concurrency {Concurrency} on {Environment.ProcessorCount} cores; median {durations[durations.Count / 2]:F0} ms, p99 {durations[durations.Count * 99 / 100]:F0} ms"));
        log.WriteLine($"working set of the process (test host, bot and clients): {Mb(rssBefore)} before, {Mb(peak)} peak, {Mb(rssAfter)} after (growth {Mb(rssAfter - rssBefore)})");
        log.WriteLine($"metric series at /metrics: {seriesBefore} before, {seriesAfter} after; workflows started: {workflows}");

        Assert.DoesNotContain(results, r => r.Status >= 500);
        Assert.All(results, r => Assert.True(Expected[r.Kind].Contains(r.Status), $"{r.Kind} answered {r.Status}"));
        Assert.Equal(0, workflows);
        Assert.True(rssAfter - rssBefore < 200L * 1024 * 1024, $"the working set grew by {Mb(rssAfter - rssBefore)}");
        // A header value as a label would add a series per request (hundreds); what may still appear after the warm-up
        // comes from fixed vocabularies: an answer or a connection error it did not meet (28 series a histogram label
        // set), a GitHub event of the signed wrong-shape payloads (one each).
        Assert.True(seriesAfter <= seriesBefore + 100, $"metric series: {seriesBefore} before, {seriesAfter} after");
        var leaked = headerValues.Concat(UnknownEvents).Where(value => value.Length >= 12 && metrics.Contains(value, StringComparison.Ordinal)).ToList();
        Assert.True(leaked.Count == 0, $"header values in /metrics: {string.Join(", ", leaked)}");
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "ghbot-delivery-*"));

        // The intake still works, and a delivery it accepts is counted: the count above would have seen one.
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out _);
        using var accepted = await bot.Webhooks.PostAsync("pull_request", payload);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
        // Listing reads Temporal's visibility store, which the server fills a moment after the start (longer on a
        // loaded machine): wait for it rather than read it once.
        var listed = await CountWorkflowsAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(20); listed == 0 && DateTime.UtcNow < deadline; listed = await CountWorkflowsAsync())
        {
            await Task.Delay(200);
        }

        Assert.Equal(1, listed);
    }

    private const int Concurrency = 12;

    /// <summary>What each kind may be answered; -1: no answer, as when the client closed its side first.</summary>
    private static readonly Dictionary<string, int[]> Expected = new()
    {
        ["unsigned"] = [401],
        ["bad-signature"] = [401],
        ["malformed-signature"] = [401],
        ["truncated"] = [-1, 400, 401],
        ["stalled"] = [408],
        ["oversize-declared"] = [401, 413],
        ["oversize-chunked"] = [413],
        ["wrong-content-type"] = [400],
        ["unknown-event"] = [200],
        ["signed-malformed-json"] = [200, 400],
        ["signed-wrong-shape"] = [200, 400],
        ["bad-header-bytes"] = [400, 401],
        ["huge-header"] = [431],
        ["other-path-or-method"] = [400, 401, 404, 405],
    };

    /// <summary>The series count once it has stopped changing and the runtime's counters had time to appear.</summary>
    private async Task<int> StableSeriesAsync(Stopwatch warming)
    {
        var last = -1;
        while (true)
        {
            var count = Series(await bot.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            if (count == last && warming.Elapsed > TimeSpan.FromSeconds(12))
            {
                return count;
            }

            Assert.True(warming.Elapsed < TimeSpan.FromSeconds(40), "the metric series never settled");
            last = count;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private async Task<int> CountWorkflowsAsync()
    {
        var count = 0;
        await foreach (var unused in server.Client.ListWorkflowsAsync(string.Empty))
        {
            count++;
        }

        return count;
    }

    private static int Series(string metrics) =>
        metrics.Split('\n').Count(line => line.Length > 0 && !line.StartsWith('#'));

    private static long Rss(bool collect)
    {
        if (collect)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:F0} MB");

    /// <summary>Writes the request to a new connection and reads the answer's status; -1 when none came.</summary>
    private async Task<int> SendAsync(HostileRequest request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var address = bot.Http.BaseAddress!;
        await socket.ConnectAsync(address.Host, address.Port, timeout.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{request.Method} {request.Path} HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\n")
            .Append(request.Chunked ? "Transfer-Encoding: chunked\r\n" : string.Create(CultureInfo.InvariantCulture, $"Content-Length: {request.DeclaredLength ?? request.Body.Length}\r\n"));
        var headBytes = new List<byte>(Encoding.ASCII.GetBytes(head.ToString()));
        foreach (var (name, value) in request.Headers)
        {
            headBytes.AddRange(Encoding.ASCII.GetBytes($"{name}: "));
            headBytes.AddRange(value);
            headBytes.AddRange("\r\n"u8.ToArray());
        }

        headBytes.AddRange("\r\n"u8.ToArray());
        var reading = ReadStatusAsync(stream, timeout.Token);
        try
        {
            await stream.WriteAsync(headBytes.ToArray(), timeout.Token);
            await WriteBodyAsync(stream, request, timeout.Token);
            if (request.SendBytes < request.Body.Length && !request.Stall)
            {
                // Less than Content-Length promised, and the client is gone: Kestrel sees the connection end.
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // The server stopped reading (and closed) before all was written: its answer, if any, is read below.
        }

        return await reading;
    }

    private static async Task WriteBodyAsync(NetworkStream stream, HostileRequest request, CancellationToken cancellationToken)
    {
        var body = request.Body.AsMemory(0, request.SendBytes ?? request.Body.Length);
        const int chunk = 64 * 1024;
        for (var offset = 0; offset < body.Length; offset += chunk)
        {
            var piece = body.Slice(offset, Math.Min(chunk, body.Length - offset));
            if (request.Chunked)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n"), cancellationToken);
                await stream.WriteAsync(piece, cancellationToken);
                await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
            }
            else
            {
                await stream.WriteAsync(piece, cancellationToken);
            }
        }

        if (request.Chunked)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
        }
    }

    private static async Task<int> ReadStatusAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                if (buffer.AsSpan(0, filled).IndexOf("\r\n"u8) > 0)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // reset or timed out: whatever arrived before is parsed below
        }

        var match = StatusLine().Match(Encoding.ASCII.GetString(buffer, 0, filled));
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    [GeneratedRegex(@"^HTTP/1\.[01] (\d{3})")]
    private static partial Regex StatusLine();
}

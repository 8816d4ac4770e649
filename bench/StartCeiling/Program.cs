using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GitHubBot.App.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

// Starts N workflows at concurrency C on an embedded dev server configured exactly as `ghbot serve` configures it
// (same durability pragmas, same ID policies and memo), and prints one JSON line like load.mjs does.
var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var c = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
var durability = args.Length > 2 ? args[2] : "wal";
var dataDir = Directory.CreateTempSubdirectory("ghbot-ceiling-").FullName;
try
{
    var settings = new TemporalSettings { EmbeddedPort = 0, EmbeddedUi = false, EmbeddedDurability = durability };
    await using var server = await EmbeddedTemporalServer.StartAsync(settings, dataDir, NullLogger.Instance, uiCodec: null, CancellationToken.None);
    var client = await TemporalClient.ConnectAsync(new(server.Address));

    async Task<double[]> RunAsync(int count)
    {
        var latencies = new double[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, c).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await client.StartWorkflowAsync("QualityGateWorkflow", [new { Owner = "o", Repo = "r", PullRequestNumber = i }], new WorkflowOptions($"ceiling/{Guid.NewGuid():N}", "bench")
                {
                    IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
                    IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                    Memo = new Dictionary<string, object> { ["deliveryId"] = Guid.NewGuid().ToString() },
                });
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        return latencies;
    }

    await RunAsync(Math.Min(200, n));
    var clock = Stopwatch.StartNew();
    var ms = await RunAsync(n);
    var seconds = clock.Elapsed.TotalSeconds;
    Array.Sort(ms);
    double Q(double p) => Math.Round(ms[Math.Min(ms.Length - 1, (int)(p * ms.Length))], 2);
    Console.WriteLine(JsonSerializer.Serialize(new { n, c, mode = "sdk", seconds = Math.Round(seconds, 3), rps = Math.Round(n / seconds, 1), p50 = Q(0.5), p90 = Q(0.9), p99 = Q(0.99), max = Math.Round(ms[^1], 2) }));
}
finally
{
    Directory.Delete(dataDir, recursive: true);
}

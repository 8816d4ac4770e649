using System.Diagnostics;
using System.Globalization;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace GitHubBot.Testing;

/// <summary>
/// A real Prometheus or Alertmanager (Debian's packages <c>prometheus</c> and <c>prometheus-alertmanager</c>) run
/// by a test on a loopback port, with its configuration and storage in a temporary directory. A binary that is not
/// installed fails the test saying what to install; a server that does not become ready fails it with its output.
/// </summary>
public sealed class ObservabilityServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly TempDirectory directory;
    private readonly List<string> output;

    private ObservabilityServer(Process process, TempDirectory directory, Uri url, List<string> output)
    {
        this.process = process;
        this.directory = directory;
        this.output = output;
        Url = url;
    }

    /// <summary>The server's base URL (with a trailing slash).</summary>
    public Uri Url { get; }

    /// <summary>What the server wrote so far (its logs).</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join('\n', output);
            }
        }
    }

    /// <summary>Prometheus with <paramref name="config"/> (prometheus.yml) and <paramref name="rules"/> (rules.yml beside it), on <paramref name="port"/> or a free one.</summary>
    public static Task<ObservabilityServer> PrometheusAsync(string config, string rules, int? port = null) => Prometheus(config, rules, port ?? TestPorts.Free());

    private static Task<ObservabilityServer> Prometheus(string config, string rules, int port)
    {
        return StartAsync(
            "prometheus",
            "prometheus (apt-get install -y prometheus)",
            port,
            new Dictionary<string, string> { ["prometheus.yml"] = config, ["rules.yml"] = rules },
            dir => ["--config.file", Path.Combine(dir, "prometheus.yml"), "--storage.tsdb.path", Path.Combine(dir, "data"), "--web.listen-address", $"127.0.0.1:{port}", "--web.external-url", $"http://127.0.0.1:{port}/", "--log.level", "warn"]);
    }

    /// <summary>Alertmanager with <paramref name="config"/> (alertmanager.yml), clustering off, on <paramref name="port"/> or a free one.</summary>
    public static Task<ObservabilityServer> AlertmanagerAsync(string config, int? port = null) => Alertmanager(config, port ?? TestPorts.Free());

    private static Task<ObservabilityServer> Alertmanager(string config, int port)
    {
        return StartAsync(
            File.Exists("/usr/bin/prometheus-alertmanager") ? "prometheus-alertmanager" : "alertmanager",
            "Alertmanager (apt-get install -y prometheus-alertmanager)",
            port,
            new Dictionary<string, string> { ["alertmanager.yml"] = config },
            dir => ["--config.file", Path.Combine(dir, "alertmanager.yml"), "--storage.path", Path.Combine(dir, "data"), "--web.listen-address", $"127.0.0.1:{port}", "--cluster.listen-address=", "--log.level", "warn"]);
    }

    private static async Task<ObservabilityServer> StartAsync(string binary, string what, int port, Dictionary<string, string> files, Func<string, IReadOnlyList<string>> arguments)
    {
        var path = Find(binary) ?? throw new InvalidOperationException(
            $"{what} is needed by this test and is not installed: '{binary}' is not on PATH. .ci/run installs it; by hand: apt-get install -y prometheus prometheus-alertmanager");
        var directory = new TempDirectory($"ghbot-{binary}-");
        foreach (var (name, text) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(directory.Path, name), text);
        }

        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory.Path };
        foreach (var argument in arguments(directory.Path))
        {
            start.ArgumentList.Add(argument);
        }

        var output = new List<string>();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start.");
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ObservabilityServer(process, directory, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")), output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"{binary} exited with {process.ExitCode}:\n{server.Output}");
            }

            try
            {
                using var ready = await http.GetAsync(new Uri(server.Url, "-/ready"));
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // not answering yet
            }

            if (DateTime.UtcNow > deadline)
            {
                var log = server.Output;
                await server.DisposeAsync();
                throw new InvalidOperationException($"{binary} did not become ready on port {port} within 30 s:\n{log}");
            }

            await Task.Delay(200);
        }
    }

    private static void Keep(List<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Count < 2000)
            {
                output.Add(line);
            }
        }
    }

    private static string? Find(string binary) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, binary))
            .FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        directory.Dispose();
    }
}

/// <summary>
/// A service's /metrics page, served by the test for Prometheus to scrape (exposition format 0.0.4): one gauge,
/// <c>calc_errors_ratio{service="calc"}</c>, whose value the test sets.
/// </summary>
public sealed class MetricsExporter : IDisposable
{
    private double ratio;

    public MetricsExporter()
    {
        Server = WireMockServer.Start();
        Server.Given(Request.Create().UsingGet().WithPath("/metrics"))
            .RespondWith(Response.Create().WithCallback(_ => new WireMock.ResponseMessage
            {
                StatusCode = 200,
                Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Content-Type"] = new("text/plain; version=0.0.4") },
                BodyData = new WireMock.Util.BodyData
                {
                    BodyAsString = string.Create(CultureInfo.InvariantCulture, $"# HELP calc_errors_ratio Share of calc's requests that failed.\n# TYPE calc_errors_ratio gauge\ncalc_errors_ratio{{service=\"calc\"}} {Volatile.Read(ref ratio)}\n"),
                    DetectedBodyType = WireMock.Types.BodyType.String,
                },
            }));
    }

    public WireMockServer Server { get; }

    /// <summary>host:port, as a scrape target.</summary>
    public string Target => new Uri(Server.Url!).Authority;

    /// <summary>The error ratio the page shows now.</summary>
    public double ErrorRatio
    {
        get => Volatile.Read(ref ratio);
        set => Volatile.Write(ref ratio, value);
    }

    public void Dispose() => Server.Dispose();
}

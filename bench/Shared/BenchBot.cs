using System.Globalization;
using GitHubBot.App.Hosting;
using GitHubBot.Testing;
using GitHubBot.Workflows.Hosting;
using Temporalio.Client;
using Temporalio.Testing;

/// <summary>
/// What the benchmarks share: a Temporal dev server (TEMPORAL_CLI_PATH, else `temporal` on PATH, else the SDK's download), and the bot in this
/// process — web intake and worker, like <c>ghbot serve</c> — talking to the GitHub fake, with signed deliveries.
/// </summary>
internal sealed class BenchBot : IAsyncDisposable
{
    private readonly WorkflowEnvironment temporal;
    private readonly WebApplication app;
    private readonly HttpClient http;
    private readonly TempDirectory dataDir;

    private BenchBot(WorkflowEnvironment temporal, WebApplication app, TempDirectory dataDir)
    {
        this.temporal = temporal;
        this.app = app;
        this.dataDir = dataDir;
        http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Webhooks = new WebhookSender(http, "bench-secret");
    }

    public ITemporalClient Client => temporal.Client;

    /// <summary>An HTTP client for the bot's own address (its alert endpoints, say).</summary>
    public HttpClient Http => http;

    public WebhookSender Webhooks { get; }

    /// <summary>Starts Temporal and the bot on <paramref name="taskQueue"/>, GitHub at <paramref name="github"/>, with <paramref name="extra"/> settings.</summary>
    public static async Task<BenchBot> StartAsync(string taskQueue, GitHubFake github, IDictionary<string, string?>? extra = null)
    {
        var cli = TemporalCli.Find();
        Console.Error.WriteLine($"starting Temporal dev server ({cli ?? "SDK download"})...");
        var temporal = await WorkflowEnvironment.StartLocalAsync(new() { DevServerOptions = new() { ExistingPath = cli, LogLevel = "error" } });
        var dataDir = new TempDirectory($"ghbot-{taskQueue}-");
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = dataDir.Path,
            ["Temporal:Address"] = temporal.Client.Connection.Options.TargetHost,
            ["Temporal:TaskQueue"] = taskQueue,
            ["GitHub:WebhookSecret"] = "bench-secret",
            ["GitHub:AppId"] = github.AppId.ToString(CultureInfo.InvariantCulture),
            ["GitHub:PrivateKey"] = github.PrivateKeyPem,
            ["GitHub:ApiBaseUrl"] = github.ApiBaseUrl.ToString(),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Benchmark" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddGitHubBot();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseGitHubBot();
        await app.StartAsync();
        return new BenchBot(temporal, app, dataDir);
    }

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The integer after <paramref name="name"/> on the command line, else <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        await temporal.DisposeAsync();
        dataDir.Dispose();
    }
}

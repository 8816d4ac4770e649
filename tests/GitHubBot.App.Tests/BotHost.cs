using GitHubBot.App.Hosting;
using GitHubBot.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace GitHubBot.App.Tests;

/// <summary>The GitHubBot web host (AddGitHubBot/UseGitHubBot) on a real Kestrel port on loopback, for one test.</summary>
internal sealed class BotHost : IAsyncDisposable
{
    public const string Secret = "test-webhook-secret";

    private readonly WebApplication app;
    private readonly TempDirectory dataDir;

    private BotHost(WebApplication app, Uri address, CapturedLogs logs, TempDirectory dataDir)
    {
        this.app = app;
        this.dataDir = dataDir;
        Logs = logs;
        Http = new HttpClient { BaseAddress = address };
        Webhooks = new WebhookSender(Http, Secret);
    }

    public HttpClient Http { get; }

    public WebhookSender Webhooks { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>Everything the host logged, at every level.</summary>
    public CapturedLogs Logs { get; }

    /// <summary>Starts the web host against <paramref name="temporalAddress"/>; with a <paramref name="github"/> fake the workers run too.</summary>
    public static async Task<BotHost> StartAsync(string temporalAddress, string taskQueue, GitHubFake? github = null, IDictionary<string, string?>? extra = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        var dataDir = new TempDirectory("ghbot-bothost-");
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = dataDir.Path,
            ["Temporal:Address"] = temporalAddress,
            ["Temporal:TaskQueue"] = taskQueue,
            ["GitHub:WebhookSecret"] = Secret,
            ["Worker:Enabled"] = github is null ? "false" : "true",

            // The shared fixtures are real payloads written years ago: tests of anything but the freshness window
            // post them as they are. Tests of the window set it (or remove it, for the default) in extra.
            ["Intake:FreshnessWindow"] = "36500.00:00:00",
        };
        if (github is not null)
        {
            settings["GitHub:AppId"] = github.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["GitHub:PrivateKey"] = github.PrivateKeyPem;
            settings["GitHub:ApiBaseUrl"] = github.ApiBaseUrl.ToString();
        }

        // A null value removes the setting: the host's own default applies.
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddGitHubBot();
        var logs = new CapturedLogs();
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace).AddFilter<CapturedLogs>(category: null, LogLevel.Trace);
        var app = builder.Build();
        app.UseGitHubBot();
        await app.StartAsync();
        return new BotHost(app, new Uri(app.Urls.First()), logs, dataDir);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        dataDir.Dispose();
    }

    /// <summary>The gates' workspaces under this host's DataDir (absent or empty when every gate cleaned up).</summary>
    public string WorkspaceRoot => Path.Combine(dataDir.Path, "workspaces");
}

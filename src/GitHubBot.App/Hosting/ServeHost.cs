using GitHubBot.App.Setup;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace GitHubBot.App.Hosting;

/// <summary><c>ghbot serve</c>: web intake + workers, with an embedded Temporal dev server unless Temporal:Address is set.</summary>
public static partial class ServeHost
{
    /// <summary>
    /// Runs serve until it is told to stop. A setting that stops it — here or when the host validates its options —
    /// is one line on standard error and exit code 2, no stack trace.
    /// </summary>
    /// <param name="args">ASP.NET Core's arguments (--urls, --Key=Value).</param>
    /// <param name="overrides">Settings of serve's own flags (--public-url, --reset-setup).</param>
    /// <param name="cancellationToken">Stops it.</param>
    public static Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken) =>
        SettingException.OrOneLineAsync(() => RunHostAsync(args, overrides, cancellationToken));

    private static async Task<int> RunHostAsync(string[] args, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddInMemoryCollection(overrides);
        _ = StoredAppConfigurationSource.AddTo(builder.Configuration);
        var settings = builder.Configuration.GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings();
        var workers = builder.Configuration.GetValue("Worker:Enabled", true);
        if ((TemporalSettings.Problem(settings) ?? SetupSettings.Problem(builder.Configuration) ?? GitHubProblem(builder.Configuration, workers)
            ?? (workers ? WorkerRegistration.GateProblem(builder.Configuration) : null)) is { } problem)
        {
            await Console.Error.WriteLineAsync(problem);
            return 2;
        }

        using var bootstrapLogs = LoggerFactory.Create(logging =>
        {
            GitHubBotHost.ConfigureLogging(logging);
            logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        });

        EmbeddedTemporalServer? embedded = null;
        UiCodecRoute? uiCodec = null;
        if (string.IsNullOrWhiteSpace(settings.Address))
        {
            var dataDir = builder.Configuration["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot";
            var logger = bootstrapLogs.CreateLogger("GitHubBot.EmbeddedTemporal");
            uiCodec = UiCodecRoute.For(settings, builder.Configuration, out var noUiCodec);
            if (noUiCodec is not null)
            {
                Log.NoUiCodec(logger, noUiCodec);
            }

            embedded = await EmbeddedTemporalServer.StartAsync(settings, dataDir, logger, uiCodec, cancellationToken);
            builder.Configuration["Temporal:Address"] = embedded.Address;
            if (settings.UiUrl is null && embedded.UiUrl is not null)
            {
                builder.Configuration["Temporal:UiUrl"] = embedded.UiUrl.ToString();
            }
        }

        try
        {
            builder.AddGitHubBot();
            if (uiCodec is not null)
            {
                builder.Services.AddSingleton(uiCodec);
            }

            await using var app = builder.Build();

            // Options are validated here, before the host starts: a setting that stops it is then the one line
            // RunAsync prints, not the host's "Hosting failed to start" log with a stack trace.
            app.Services.GetService<IStartupValidator>()?.Validate();
            app.UseGitHubBot();
            var services = WorkerHost.BackgroundServices(app.Services);
            using var stop = cancellationToken.Register(app.Lifetime.StopApplication);
            await app.RunAsync();
            return WorkerHost.AnyFailed(services) ? 1 : 0;
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Why the App's settings (explicit, else stored by /setup) stop serve before anything starts: an App configured
    /// in part, or with a key that cannot be read. None at all is setup mode, not a problem.
    /// </summary>
    private static string? GitHubProblem(ConfigurationManager configuration, bool workers)
    {
        var github = configuration.GetSection(GitHubOptions.SectionName).Get<GitHubOptions>() ?? new GitHubOptions();
        if (github.HasNoApp())
        {
            return null;
        }

        return string.IsNullOrWhiteSpace(github.WebhookSecret)
            ? "GitHub:WebhookSecret is required to verify webhook deliveries."
            : workers ? GitHubAppOptionsValidator.Problem(github, setupAvailable: true) : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "The embedded Web UI shows encrypted payloads as they are: {Reason}")]
        public static partial void NoUiCodec(ILogger logger, string reason);
    }
}

/// <summary><c>ghbot worker</c>: workers only, against an existing cluster.</summary>
public static class WorkerHost
{
    /// <summary>The host's background services (the workers), taken before the host runs and disposes its container.</summary>
    public static IReadOnlyList<BackgroundService> BackgroundServices(IServiceProvider services) =>
        [.. services.GetServices<IHostedService>().OfType<BackgroundService>()];

    /// <summary>
    /// Whether a background service (a worker) stopped the host by failing, e.g. when Temporal refused the
    /// connection: the process then exits 1, so a supervisor sees the failure and restarts it.
    /// </summary>
    public static bool AnyFailed(IEnumerable<BackgroundService> services) =>
        services.Any(service => service.ExecuteTask?.IsFaulted == true);

    /// <summary>Runs workers until told to stop; a setting that stops them is one line on standard error and exit code 2.</summary>
    public static Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken) =>
        SettingException.OrOneLineAsync(() => RunHostAsync(args, overrides, cancellationToken));

    private static async Task<int> RunHostAsync(string[] args, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration.AddInMemoryCollection(overrides);
        if (string.IsNullOrWhiteSpace(builder.Configuration["Temporal:Address"]))
        {
            builder.Configuration["Temporal:Address"] = "localhost:7233";
        }

        if ((TemporalSettings.Problem(builder.Configuration.GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings())
            ?? WorkerRegistration.GateProblem(builder.Configuration)) is { } problem)
        {
            await Console.Error.WriteLineAsync(problem);
            return 2;
        }

        builder.AddGitHubBotWorkerOnly();
        if (builder.Configuration.GetValue<int>("Worker:MetricsPort") is > 0 and var metricsPort)
        {
            builder.Services.AddMetricServer(options => options.Port = (ushort)metricsPort);
        }

        using var host = builder.Build();
        host.Services.GetService<IStartupValidator>()?.Validate();
        var workers = BackgroundServices(host.Services);
        await host.RunAsync(cancellationToken);
        return AnyFailed(workers) ? 1 : 0;
    }
}

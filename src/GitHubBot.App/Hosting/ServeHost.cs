using GitHubBot.Workflows.Hosting;
using Prometheus;

namespace GitHubBot.App.Hosting;

/// <summary><c>ghbot serve</c>: web intake + workers, with an embedded Temporal dev server unless Temporal:Address is set.</summary>
public static partial class ServeHost
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(args);
        var settings = builder.Configuration.GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings();
        if ((TemporalSettings.Problem(settings) ?? (builder.Configuration.GetValue("Worker:Enabled", true) ? WorkerRegistration.GateProblem(builder.Configuration) : null)) is { } problem)
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
            app.UseGitHubBot();
            var workers = WorkerHost.BackgroundServices(app.Services);
            using var stop = cancellationToken.Register(app.Lifetime.StopApplication);
            await app.RunAsync();
            return WorkerHost.AnyFailed(workers) ? 1 : 0;
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }
        }
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

    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
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
        var workers = BackgroundServices(host.Services);
        await host.RunAsync(cancellationToken);
        return AnyFailed(workers) ? 1 : 0;
    }
}

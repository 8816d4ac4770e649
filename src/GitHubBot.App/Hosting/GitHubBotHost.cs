using GitHubBot.App.Inbox;
using GitHubBot.App.Setup;
using GitHubBot.App.Webhooks;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Hosting;
using GitHubBot.Workflows.Redelivery;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;
using Temporalio.Extensions.Hosting;

namespace GitHubBot.App.Hosting;

/// <summary>Composition of the GitHubBot web host: <c>AddGitHubBot()</c> and <c>UseGitHubBot()</c>.</summary>
public static class GitHubBotHost
{
    /// <summary>How much longer than Worker:GracefulShutdownTimeout the host waits for its services to stop.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(10);

    /// <summary>Registers the webhook intake, the Temporal client and (unless Worker:Enabled is false) the workers.</summary>
    public static WebApplicationBuilder AddGitHubBot(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = AddGitHubBotCore(builder);
        var services = builder.Services;
        var intake = builder.Configuration.GetSection(IntakeSettings.SectionName).Get<IntakeSettings>() ?? new IntakeSettings();
        if (IntakeSettings.Problem(intake) is { } intakeProblem)
        {
            throw new SettingException(intakeProblem);
        }

        services.AddOptions<IntakeSettings>().BindConfiguration(IntakeSettings.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        // Kestrel receives a delivery in 32 KB blocks instead of 4 KB ones (one recv for a typical payload).
        services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>, DeliverySizedMemoryPool.Factory>();
        // With no App at all, serve starts in setup mode: the intake answers 503 until /setup has created one.
        services.AddOptions<GitHubOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.WebhookSecret) || o.HasNoApp(), "GitHub:WebhookSecret is required to verify webhook deliveries.")
            .ValidateOnStart();
        services.AddSingleton<GitHubAppSetup>();
        services.AddOptions<SetupSettings>().BindConfiguration(SetupSettings.SectionName);
        services.AddSingleton<SetupFlow>();
        services.AddScoped<DeliveryOutcome>();
        services.AddSingleton<WorkflowStarter>();
        services.AddSingleton<DeliveryReader>();
        services.AddScoped<GitHubBotWebhookProcessor>();
        services.AddOptions<AlertSettings>().BindConfiguration(AlertSettings.SectionName);
        services.AddScoped<AlertIntakeHandler>();
        services.AddGitHubBotHealthChecks();
        if (settings.Worker.Enabled)
        {
            // A failed worker does not take the intake down with it: logged at Critical, Unhealthy in /healthz/ready,
            // made again after a backoff. (ghbot worker keeps the default: it exits 1, so a supervisor restarts it.)
            RestartingWorker.Wrap(services, () => services.AddGitHubBotWorkers(settings.Temporal.TaskQueue, settings.Worker.Count));
            services.Configure<HostOptions>(options => options.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        }

        // Registered after the workers, so on SIGTERM (after Kestrel) the drainer stops, then the inbox commits what is
        // queued, and only then do the workers get their grace period.
        if (intake.UsesInbox)
        {
            services.AddSingleton<DeliveryInbox>();
            services.AddSingleton<IdenticalDeliveries>();
            services.AddSingleton<IDeliveryLedger, InboxDeliveryLedger>(); // wins over the workers' default, which knows none
            services.AddHostedService(provider => provider.GetRequiredService<DeliveryInbox>());
            services.AddHostedService<InboxDrainer>();
        }

        return builder;
    }

    /// <summary>Registers workers only (<c>ghbot worker</c>): what <see cref="AddGitHubBot"/> registers, without the intake.</summary>
    public static HostApplicationBuilder AddGitHubBotWorkerOnly(this HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = AddGitHubBotCore(builder);
        builder.Services.AddGitHubBotWorkers(settings.Temporal.TaskQueue, settings.Worker.Count);
        return builder;
    }

    /// <summary>
    /// What every GitHubBot process has: JSON logs, the settings (each section bound once), the Temporal client and
    /// the links to its UI. Returns the settings composition itself depends on (task queue, worker count).
    /// </summary>
    private static (TemporalSettings Temporal, WorkerSettings Worker) AddGitHubBotCore(IHostApplicationBuilder builder)
    {
        ConfigureLogging(builder.Logging);
        var services = builder.Services;

        // The App /setup stored in DataDir, beneath every explicit setting; read again when /setup stores a new one.
        services.AddSingleton(StoredAppConfigurationSource.AddTo(builder.Configuration));
        var temporal = builder.Configuration.GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings();
        var worker = builder.Configuration.GetSection(WorkerSettings.SectionName).Get<WorkerSettings>() ?? new WorkerSettings();
        if (worker.GracefulShutdownTimeout < TimeSpan.Zero)
        {
            throw new SettingException("Worker:GracefulShutdownTimeout must not be negative, e.g. 00:00:30.");
        }

        services.AddSingleton(Options.Create(temporal));
        services.AddSingleton(Options.Create(worker));
        services.AddGitHubBotSettings(builder.Configuration);
        RedeliverySchedule.Add(services, builder.Configuration);
        services.AddSingleton(new TemporalUiLinks(temporal.UiUrl, temporal.Namespace));
        services.AddTemporalClient(options => TemporalClientSetup.Apply(temporal, options));

        // On SIGTERM running activities get Worker:GracefulShutdownTimeout to finish (then their cancellation token
        // fires and Temporal hands them to another worker); the host waits a little longer than that for them.
        services.ConfigureAll<TemporalWorkerServiceOptions>(options => options.GracefulShutdownTimeout = worker.GracefulShutdownTimeout);
        services.Configure<HostOptions>(options => options.ShutdownTimeout = worker.GracefulShutdownTimeout + ShutdownMargin);
        return (temporal, worker);
    }

    /// <summary>Maps the webhook endpoint behind its guard, /setup, the alert endpoints, /healthz (live and ready) and /metrics (Prometheus).</summary>
    public static WebApplication UseGitHubBot(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // The guard follows the endpoint, not the raw path, so every spelling routing accepts
        // (a trailing slash, other casing) passes through it.
        app.UseWhen(
            context => context.GetEndpoint()?.Metadata.GetMetadata<WebhookIntakeMiddleware.Marker>() is not null,
            branch => branch.UseMiddleware<WebhookIntakeMiddleware>());
        // The guard above verified the signature while reading the body once; the endpoint reads the verified bytes.
        app.MapPost(IntakeSettings.WebhookPath, GitHubBotWebhookProcessor.EndpointAsync)
            .WithMetadata(new WebhookIntakeMiddleware.Marker());
        app.MapSetup();
        app.MapAlertIntake();
        app.MapCodecEndpoint();
        app.MapGitHubBotHealth();
        app.MapMetrics("/metrics");
        return app;
    }

    /// <summary>Structured JSON logs with scopes (delivery ID, workflow ID), as operators collect them.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.UseUtcTimestamp = true;
        });
    }
}

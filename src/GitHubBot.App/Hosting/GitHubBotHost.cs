using GitHubBot.App.Webhooks;
using GitHubBot.Workflows;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using Microsoft.Extensions.Options;
using Octokit.Webhooks;
using Octokit.Webhooks.AspNetCore;
using Prometheus;

namespace GitHubBot.App.Hosting;

/// <summary>Composition of the GitHubBot web host: <c>AddGitHubBot()</c> and <c>UseGitHubBot()</c>.</summary>
public static class GitHubBotHost
{
    /// <summary>Registers the webhook intake, the Temporal client and (unless Worker:Enabled is false) the workers.</summary>
    public static WebApplicationBuilder AddGitHubBot(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConfigureLogging(builder.Logging);
        var services = builder.Services;
        var temporal = builder.Configuration.GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings();
        var worker = builder.Configuration.GetSection(WorkerSettings.SectionName).Get<WorkerSettings>() ?? new WorkerSettings();

        services.AddOptions<TemporalSettings>().BindConfiguration(TemporalSettings.SectionName);
        services.AddOptions<IntakeSettings>().BindConfiguration(IntakeSettings.SectionName);
        services.AddOptions<GitHubOptions>().BindConfiguration(GitHubOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.WebhookSecret), "GitHub:WebhookSecret is required to verify webhook deliveries.")
            .ValidateOnStart();

        services.AddTemporalClient(options => TemporalClientSetup.Apply(temporal, options));
        services.AddScoped<DeliveryOutcome>();
        services.AddScoped<WorkflowStarter>();
        services.AddScoped<WebhookEventProcessor, GitHubBotWebhookProcessor>();
        services.AddHealthChecks();

        if (worker.Enabled)
        {
            AddWorkers(services, builder.Configuration, temporal, worker);
        }

        return builder;
    }

    /// <summary>Registers workers only (<c>ghbot worker</c>): the Temporal client and the workflows and activities.</summary>
    public static HostApplicationBuilder AddGitHubBotWorkerOnly(this HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConfigureLogging(builder.Logging);
        var temporal = builder.Configuration.GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings();
        var worker = builder.Configuration.GetSection(WorkerSettings.SectionName).Get<WorkerSettings>() ?? new WorkerSettings();
        builder.Services.AddTemporalClient(options => TemporalClientSetup.Apply(temporal, options));
        AddWorkers(builder.Services, builder.Configuration, temporal, worker);
        return builder;
    }

    private static void AddWorkers(IServiceCollection services, ConfigurationManager configuration, TemporalSettings temporal, WorkerSettings worker)
    {
        // The agents' model: a bad setting stops the worker at start-up, naming it.
        var agents = configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? new AgentOptions();
        _ = AgentClients.Create(agents);
        services.AddSingleton(agents);

        // The gates' checkouts live beside the embedded server's database: DataDir/workspaces.
        var dataDir = configuration["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot";
        services.AddSingleton(new WorkspaceOptions(Path.Combine(Path.GetFullPath(dataDir), "workspaces"))
        {
            CheckUids = WorkspaceOptions.ParseUids(configuration["Gate:CheckUids"]),
        }.Validate());
        services.AddOptions<GitHubOptions>().BindConfiguration(GitHubOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GitHubOptions>, GitHubAppOptionsValidator>();
        services.AddSingleton(new TemporalUiLinks(temporal.UiUrl, temporal.Namespace));
        services.AddGitHubBotWorkers(temporal.TaskQueue, worker.Count);
    }

    /// <summary>Maps the webhook endpoint behind its guard, /healthz and /metrics (Prometheus).</summary>
    public static WebApplication UseGitHubBot(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // The guard follows the endpoint, not the raw path, so every spelling routing accepts
        // (a trailing slash, other casing) passes through it.
        app.UseWhen(
            context => context.GetEndpoint()?.Metadata.GetMetadata<WebhookIntakeMiddleware.Marker>() is not null,
            branch => branch.UseMiddleware<WebhookIntakeMiddleware>());
        app.MapGitHubWebhooks(IntakeSettings.WebhookPath, app.Services.GetRequiredService<IOptions<GitHubOptions>>().Value.WebhookSecret ?? string.Empty)
            .WithMetadata(new WebhookIntakeMiddleware.Marker());
        app.MapHealthChecks("/healthz");
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

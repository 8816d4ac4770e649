using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.CodeMigration;
using GitHubBot.Workflows.Commands;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.IncidentSwarm;
using GitHubBot.Workflows.PlanPatchPr;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Redelivery;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Hosting;

/// <summary>
/// The one list of GitHubBot's workflows and activities, and the one way to register them: <c>ghbot serve</c>,
/// <c>ghbot worker</c>, the benchmarks and every test rig build their workers from here, so none can miss one.
/// </summary>
public static class WorkerRegistration
{
    /// <summary>Every workflow a worker runs.</summary>
    public static IReadOnlyList<Type> Workflows { get; } =
    [
        typeof(QualityGateWorkflow),
        typeof(ChangeRequestWorkflow),
        typeof(PlanPatchPrWorkflow),
        typeof(IncidentSwarmWorkflow),
        typeof(AlertmanagerMonitorWorkflow),
        typeof(CodeMigrationWorkflow),
        typeof(CommandWorkflow),
        typeof(RedeliverySweepWorkflow),
    ];

    /// <summary>Every class of activities a worker runs (each resolved from the container, one scope per call).</summary>
    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(GitHubActivities),
        typeof(GateActivities),
        typeof(GateControlActivities),
        typeof(GateFixActivities),
        typeof(CommandActivities),
        typeof(AgentActivities),
        typeof(SnapshotActivities),
        typeof(IncidentActivities),
        typeof(ObservabilityActivities),
        typeof(MigrationActivities),
        typeof(RedeliveryActivities),
    ];

    /// <summary>
    /// Binds the settings both the web intake and the workers read — "GitHub", "Agents", "Gate" and the workspaces
    /// under DataDir — once for the whole container.
    /// </summary>
    public static IServiceCollection AddGitHubBotSettings(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GitHubOptions>().BindConfiguration(GitHubOptions.SectionName);
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.SectionName);
        services.AddOptions<GateOptions>().BindConfiguration(GateOptions.SectionName);
        services.AddOptions<IncidentOptions>().BindConfiguration(IncidentOptions.SectionName);
        services.AddOptions<WorkerLimits>().BindConfiguration(WorkerLimits.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerLimits>, WorkerLimitsValidator>());
        var dataDir = configuration["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot";
        services.TryAddSingleton(provider => WorkspaceOptions.From(dataDir, provider.GetRequiredService<IOptions<GateOptions>>().Value, [configuration["GitHub:PrivateKeyPath"]]));
        services.TryAddSingleton(new TemporalUiLinks(null, "default"));
        return services;
    }

    /// <summary>
    /// Why this machine's workers cannot run the PR's code as the "Gate" settings ask — one line naming the setting
    /// (a bad Gate:CheckUids or Gate:Limits value, a sandbox that cannot be set up) — or null. Checked before the host
    /// starts, so that the process ends with that line rather than a stack trace.
    /// </summary>
    public static string? GateProblem(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        try
        {
            var gate = configuration.GetSection(GateOptions.SectionName).Get<GateOptions>() ?? new GateOptions();
            var dataDir = configuration["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot";
            _ = WorkspaceOptions.From(dataDir, gate).Validate();
            return null;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Adds what the activities use — the App's GitHub clients, the agents' model (made once), the snapshot
    /// repositories, the workspace sweeper — and the activity classes themselves. The App's key, the agent settings
    /// and Gate:CheckUids are validated when the host starts, each failure naming its setting.
    /// </summary>
    public static IServiceCollection AddGitHubBotActivities(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GitHubOptions>, GitHubAppOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GateOptions>, GateOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IncidentOptions>, IncidentOptionsValidator>());
        services.AddOptions<IncidentOptions>().ValidateOnStart();
        services.AddOptions<GitHubOptions>().ValidateOnStart();
        services.AddOptions<AgentOptions>().ValidateOnStart();
        services.AddOptions<GateOptions>().ValidateOnStart();
        services.TryAddSingleton(provider => new AppJwtFactory(provider.GetRequiredService<IOptionsMonitor<GitHubOptions>>(), provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<GitHubClients>();
        services.TryAddSingleton<IGitHubClients>(provider => provider.GetRequiredService<GitHubClients>());
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<AgentOptions>>().Value);
        services.TryAddSingleton(provider => new AgentModel(AgentClients.Create(provider.GetRequiredService<AgentOptions>())));
        services.TryAddSingleton<RepoSnapshots>();

        // What the intake accepted, for the redelivery sweeper; a host with a durable inbox registers its own first.
        services.TryAddSingleton<IDeliveryLedger, NoDeliveryLedger>();

        // Prometheus, Loki and Alertmanager: bounded in time, and never following redirects elsewhere.
        services.AddHttpClient(ObservabilityActivities.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddHostedService<WorkspaceSweeper>();
        foreach (var type in Activities)
        {
            services.TryAddScoped(type);
        }

        return services;
    }

    /// <summary>
    /// Adds <paramref name="workers"/> hosted workers polling <paramref name="taskQueue"/> with every workflow and
    /// activity, and the services of <see cref="AddGitHubBotActivities"/>. They use the <see cref="ITemporalClient"/>
    /// registered in the container.
    /// </summary>
    public static IServiceCollection AddGitHubBotWorkers(this IServiceCollection services, string taskQueue, int workers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        services.AddGitHubBotActivities();
        services.AddHostedService(provider => ActivatorUtilities.CreateInstance<MonitorStarter>(provider, taskQueue));
        var builder = services.AddHostedTemporalWorker(taskQueue);

        // Every worker of the process (they share these options) takes on at most Worker:MaxConcurrentActivities.
        builder.ConfigureOptions().Configure<IOptions<WorkerLimits>>((options, limits) => limits.Value.Apply(options));

        // Workflows' durations and outcomes (recorded on Workflow.MetricMeter: no commands, nothing on replay).
        builder.ConfigureOptions().Configure(options => options.Interceptors = [.. options.Interceptors ?? [], new WorkflowMetricsInterceptor()]);
        foreach (var type in Activities)
        {
            builder.AddScopedActivities(type);
        }

        foreach (var type in Workflows)
        {
            builder.AddWorkflow(type);
        }

        // More workers on the same queue share the registration above: each is one more set of pollers and slots.
        // The SDK allows one worker per queue on a connection, so each extra worker gets a connection of its own.
        for (var i = 1; i < workers; i++)
        {
            var index = i;
            services.AddSingleton<IHostedService>(provider => new TemporalWorkerService(
                new TemporalWorkerServiceIdentifier(taskQueue, null, false),
                provider.GetRequiredService<IOptionsMonitor<TemporalWorkerServiceOptions>>(),
                TemporalClient.CreateLazy(ConnectOptionsOf(provider.GetRequiredService<ITemporalClient>(), index, provider.GetService<ILoggerFactory>())),
                provider.GetService<ILoggerFactory>()));
        }

        return services;
    }

    /// <summary>
    /// Adds every workflow and activity to the options of a worker made by hand (tests, benchmarks); the activities
    /// come from <paramref name="services"/>, one scope per call, as on a hosted worker, and the limits of
    /// <see cref="WorkerLimits"/> when the services have them.
    /// </summary>
    public static TemporalWorkerOptions AddGitHubBot(this TemporalWorkerOptions options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.GetService<IOptions<WorkerLimits>>()?.Value.Apply(options);
        options.Interceptors = [.. options.Interceptors ?? [], new WorkflowMetricsInterceptor()];
        foreach (var type in Activities)
        {
            foreach (var definition in services.CreateTemporalActivityDefinitions(type))
            {
                options.AddActivity(definition);
            }
        }

        foreach (var type in Workflows)
        {
            options.AddWorkflow(type);
        }

        return options;
    }

    private static TemporalClientConnectOptions ConnectOptionsOf(ITemporalClient shared, int index, ILoggerFactory? loggerFactory)
    {
        var connection = shared.Connection.Options;
        return new TemporalClientConnectOptions
        {
            // Each worker shows up under its own identity in the UI and in task-queue descriptions.
            Identity = $"{connection.Identity}/worker-{index + 1}",
            TargetHost = connection.TargetHost,
            Tls = connection.Tls,
            Runtime = connection.Runtime,
            ApiKey = connection.ApiKey,
            RpcMetadata = connection.RpcMetadata,
            RpcRetry = connection.RpcRetry,
            KeepAlive = connection.KeepAlive,
            HttpConnectProxy = connection.HttpConnectProxy,
            Namespace = shared.Options.Namespace,
            DataConverter = shared.Options.DataConverter,
            Interceptors = shared.Options.Interceptors,
            LoggerFactory = loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        };
    }
}

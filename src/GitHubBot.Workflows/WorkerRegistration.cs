using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using Temporalio.Extensions.Hosting;

namespace GitHubBot.Workflows;

/// <summary>Registers GitHubBot's workflows and activities on hosted Temporal workers.</summary>
public static class WorkerRegistration
{
    /// <summary>
    /// Adds <paramref name="workers"/> hosted workers polling <paramref name="taskQueue"/> with every GitHubBot
    /// workflow and activity. They use the <see cref="ITemporalClient"/> registered in the container.
    /// </summary>
    public static IServiceCollection AddGitHubBotWorkers(this IServiceCollection services, string taskQueue, int workers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        services.AddGitHubAppClients();
        services.TryAddSingleton(new TemporalUiLinks(null, "default"));
        services.TryAddSingleton(new WorkspaceOptions(Path.Combine(Path.GetTempPath(), "ghbot-workspaces")));
        services.AddHostedService<WorkspaceSweeper>();
        services.TryAddSingleton(new Agents.AgentOptions());
        services.TryAddSingleton<Tools.RepoSnapshots>();
        services.TryAddSingleton(provider => new Agents.AgentActivities(
            Agents.AgentClients.Create(provider.GetRequiredService<Agents.AgentOptions>()),
            provider.GetRequiredService<Agents.AgentOptions>(),
            provider.GetRequiredService<Tools.RepoSnapshots>()));
        services.AddHostedTemporalWorker(taskQueue)
            .AddScopedActivities<GitHubActivities>()
            .AddScopedActivities<GateActivities>()
            .AddScopedActivities<GateControlActivities>()
            .AddSingletonActivities<Agents.AgentActivities>()
            .AddScopedActivities<PlanPatchPr.PlanRepoActivities>()
            .AddWorkflow<QualityGateWorkflow>()
            .AddWorkflow<PlanPatchPr.PlanPatchPrWorkflow>()
            .AddWorkflow<Commands.CommandWorkflow>();

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

    private static TemporalClientConnectOptions ConnectOptionsOf(ITemporalClient shared, int index, ILoggerFactory? loggerFactory)
    {
        var connection = shared.Connection.Options;
        return new TemporalClientConnectOptions
        {
            // Each worker shows up under its own identity in the UI and in task-queue descriptions.
            Identity = $"{connection.Identity}/worker-{index + 1}",
            TargetHost = connection.TargetHost,
            Tls = connection.Tls,
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

    /// <summary>Adds the App identity (JWT, installation tokens, Octokit clients) from the "GitHub" section.</summary>
    public static IServiceCollection AddGitHubAppClients(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GitHubOptions>().BindConfiguration(GitHubOptions.SectionName);
        services.TryAddSingleton<AppJwtFactory>();
        services.TryAddSingleton<GitHubClients>();
        services.TryAddSingleton<IGitHubClients>(provider => provider.GetRequiredService<GitHubClients>());
        return services;
    }
}

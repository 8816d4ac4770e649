using GitHubBot.Workflows.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Temporalio.Extensions.Hosting;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Tests;

/// <summary>Worker:MaxConcurrentActivities and Worker:MaxConcurrentWorkflowTasks reach the workers serve and worker host, and those made by hand.</summary>
public sealed class WorkerLimitsTests
{
    private const string Queue = "limits";

    [Fact]
    public void The_configured_limits_reach_the_hosted_workers_and_the_hand_made_ones()
    {
        using var provider = Services(new() { ["Worker:MaxConcurrentActivities"] = "3", ["Worker:MaxConcurrentWorkflowTasks"] = "7" });

        var hosted = HostedOptions(provider);
        Assert.Equal((3, 7), (hosted.MaxConcurrentActivities, hosted.MaxConcurrentWorkflowTasks));
        var byHand = new TemporalWorkerOptions(Queue).AddGitHubBot(provider);
        Assert.Equal((3, 7), (byHand.MaxConcurrentActivities, byHand.MaxConcurrentWorkflowTasks));
    }

    [Fact]
    public void Without_configuration_a_worker_takes_on_activities_by_the_machines_cores_and_the_sdks_workflow_tasks()
    {
        using var provider = Services([]);

        var hosted = HostedOptions(provider);
        Assert.Equal(WorkerLimits.DefaultActivities(Environment.ProcessorCount), hosted.MaxConcurrentActivities);
        Assert.Null(hosted.MaxConcurrentWorkflowTasks);
        Assert.Equal((16, 16, 64), (WorkerLimits.DefaultActivities(1), WorkerLimits.DefaultActivities(2), WorkerLimits.DefaultActivities(8)));
    }

    [Theory]
    [InlineData("Worker:MaxConcurrentActivities", "0")]
    [InlineData("Worker:MaxConcurrentWorkflowTasks", "1")]
    public void A_limit_a_worker_cannot_run_with_is_refused_naming_the_setting(string key, string value)
    {
        using var provider = Services(new() { [key] = value });

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WorkerLimits>>().Value);
        Assert.Contains(key, refused.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddGitHubBotSettings(configuration).AddGitHubBotWorkers(Queue);
        return services.BuildServiceProvider();
    }

    /// <summary>The options a hosted worker of the queue starts with (without a build ID they are named by the queue alone).</summary>
    private static TemporalWorkerServiceOptions HostedOptions(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptionsMonitor<TemporalWorkerServiceOptions>>().Get(Queue);
        Assert.Equal(Queue, options.TaskQueue);
        return options;
    }
}

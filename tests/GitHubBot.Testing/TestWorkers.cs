using System.Globalization;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.Hosting;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Client;
using Temporalio.Worker;

namespace GitHubBot.Testing;

/// <summary>
/// Workers for tests, built from the bot's own registration list (<see cref="WorkerRegistration"/>) and acting as the
/// App against a <see cref="GitHubFake"/>: every workflow and every activity, as <c>ghbot serve</c> has them.
/// </summary>
public static class TestWorkers
{
    /// <summary>
    /// The container a test worker's activities come from: the App against <paramref name="github"/>, workspaces
    /// under <paramref name="workspaceRoot"/>, the agents answering through <paramref name="chat"/> (none: not
    /// configured). The caller disposes it.
    /// </summary>
    public static ServiceProvider Services(
        ITemporalClient temporal,
        GitHubFake github,
        string workspaceRoot,
        IChatClient? chat = null,
        TemporalUiLinks? links = null,
        (int First, int Last)? checkUids = null,
        IDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(github);
        var values = new Dictionary<string, string?>
        {
            ["GitHub:AppId"] = github.AppId.ToString(CultureInfo.InvariantCulture),
            ["GitHub:PrivateKey"] = github.PrivateKeyPem,
            ["GitHub:ApiBaseUrl"] = github.ApiBaseUrl.ToString(),
            ["Agents:MaxAttempts"] = "2",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(temporal)
            .AddSingleton(links ?? new TemporalUiLinks(null, "default"))
            .AddSingleton(new WorkspaceOptions(workspaceRoot) { CheckUids = checkUids }.Validate())
            .AddSingleton(new AgentModel(chat))
            .AddGitHubBotSettings(configuration)
            .AddGitHubBotActivities();
        return services.BuildServiceProvider();
    }

    /// <summary>A worker on <paramref name="taskQueue"/> with every workflow and the activities of <paramref name="services"/>.</summary>
    public static TemporalWorker Create(ITemporalClient temporal, string taskQueue, IServiceProvider services) =>
        new(temporal, new TemporalWorkerOptions(taskQueue).AddGitHubBot(services));
}

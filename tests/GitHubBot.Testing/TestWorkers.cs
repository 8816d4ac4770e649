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
    /// configured); <paramref name="configure"/> registers services of the test's own before the bot's, which only add
    /// what is missing (e.g. an <c>IDeliveryLedger</c>). The caller disposes it.
    /// </summary>
    public static ServiceProvider Services(
        ITemporalClient temporal,
        GitHubFake github,
        string workspaceRoot,
        IChatClient? chat = null,
        TemporalUiLinks? links = null,
        (int First, int Last)? checkUids = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
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
            .AddSingleton(Workspaces(workspaceRoot, checkUids, configuration))
            .AddSingleton(new AgentModel(chat));
        configure?.Invoke(services);
        services
            .AddGitHubBotSettings(configuration)
            .AddGitHubBotActivities();
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// The workspaces of a test worker, configured as a production worker's are (sandboxed unless the settings say
    /// Gate:Sandbox=off); as root, each rig gets a range of user IDs of its own, so that two rigs running at once
    /// never share one (killing one gate's processes by user must not touch another rig's).
    /// </summary>
    public static WorkspaceOptions Workspaces(string workspaceRoot, (int First, int Last)? checkUids, IConfiguration configuration)
    {
        var gate = new GateOptions();
        configuration.GetSection(GateOptions.SectionName).Bind(gate);
        var root = Path.GetFullPath(workspaceRoot);
        var first = 300000 + (int)(StableHash(root) % 10000) * 64;
        var options = WorkspaceOptions.ForRoot(root, gate, [Path.GetDirectoryName(root)!], (first, first + 63));
        return (checkUids is null ? options : options with { CheckUids = checkUids }).Validate();
    }

    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary>A worker on <paramref name="taskQueue"/> with every workflow and the activities of <paramref name="services"/>.</summary>
    public static TemporalWorker Create(ITemporalClient temporal, string taskQueue, IServiceProvider services) =>
        new(temporal, new TemporalWorkerOptions(taskQueue).AddGitHubBot(services));
}

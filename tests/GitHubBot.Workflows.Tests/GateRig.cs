using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Client;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// One gate test's world: GitHub faked over HTTP, a real repository as the PR's remote, a worker with the gate's
/// real activities on a fresh task queue, and a workspace root that must be empty again when the gate is done.
/// </summary>
internal sealed class GateRig : IDisposable
{
    public const string Owner = "Codertocat";
    public const string Token = "ghs_gate";

    private readonly TempDirectory workspaces = new("ghbot-workspaces-");
    private readonly List<ServiceProvider> providers = [];

    private GateRig(ITemporalClient temporal, FixtureRepository repository, (int First, int Last)? checkUids)
    {
        CheckUids = checkUids;
        Temporal = temporal;
        Repository = repository;
        Repo = $"gate-{Guid.NewGuid():N}"[..20];
        GitHub.ExpectGate(Owner, Repo, 1, Token);
        Links = new TemporalUiLinks(new Uri("http://temporal-ui.test/"), "default");
    }

    public ITemporalClient Temporal { get; }

    public GitHubFake GitHub { get; } = new();

    public FixtureRepository Repository { get; }

    public string Repo { get; }

    public TemporalUiLinks Links { get; }

    public string TaskQueue { get; } = TemporalServerFixture.NewTaskQueue();

    public string WorkspaceRoot => workspaces.Path;

    public (int First, int Last)? CheckUids { get; }

    public static async Task<GateRig> CreateAsync(ITemporalClient temporal, IReadOnlyDictionary<string, string> files, (int First, int Last)? checkUids = null) =>
        new(temporal, await FixtureRepository.CreateAsync(files), checkUids);

    /// <summary>Serves <paramref name="yaml"/> as the repository's .github/ghbot.yml.</summary>
    public GateRig WithConfig(string yaml)
    {
        GitHub.RespondFile(Owner, Repo, ".github/ghbot.yml", yaml);
        return this;
    }

    /// <summary>A worker with every workflow and activity; the agents answer through <paramref name="chat"/> (none: not configured); <paramref name="settings"/> add to the App's.</summary>
    public TemporalWorker Worker(IChatClient? chat = null, IDictionary<string, string?>? settings = null)
    {
        var services = TestWorkers.Services(Temporal, GitHub, WorkspaceRoot, chat, Links, CheckUids, settings);
        providers.Add(services);
        return TestWorkers.Create(Temporal, TaskQueue, services);
    }

    public QualityGateInput Input(string headSha, int pr = 7, string branch = "feature") => new()
    {
        Owner = Owner,
        Repo = Repo,
        PullRequestNumber = pr,
        HeadSha = headSha,
        Branch = branch,
        InstallationId = 1,
        CloneUrl = Repository.CloneUrl,
        AuthorAssociation = "MEMBER",
        Trigger = "pull_request.opened",
    };

    public Task<WorkflowHandle<QualityGateWorkflow, QualityGateResult>> StartAsync(QualityGateInput input, string? id = null) =>
        Temporal.StartWorkflowAsync(
            (QualityGateWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(id ?? Core.Common.WorkflowIds.QualityGate(input.Owner, input.Repo, input.PullRequestNumber, input.HeadSha), TaskQueue));

    /// <summary>Whether the workspace root holds nothing: every gate removed its checkout.</summary>
    public bool WorkspacesEmpty => Testing.WorkspaceRoot.AreEmpty(WorkspaceRoot);

    public void Dispose()
    {
        foreach (var provider in providers)
        {
            provider.Dispose();
        }

        GitHub.Dispose();
        Repository.Dispose();
        workspaces.Dispose();
    }
}

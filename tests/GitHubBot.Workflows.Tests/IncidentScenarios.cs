using System.Globalization;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Testing;
using GitHubBot.Workflows.IncidentSwarm;
using Temporalio.Client;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// What the incident tests share: the calc service, whose last commit broke its additions (its tests fail on main),
/// its repository mapped in the App's settings, its logs in a Loki fake, and the diagnosers' usual answers.
/// </summary>
internal sealed class IncidentRig : IDisposable
{
    internal const string Service = "calc";
    internal const string Broken = "add() { echo $(( $1 - $2 )); }";
    internal const string Fixed = "add() { echo $(( $1 + $2 )); }";
    internal const string LogLine = "ERROR calc: add 2 3 gave -1, expected 5";

    private IncidentRig(GateRig gate, string badCommit)
    {
        Gate = gate;
        BadCommit = badCommit;
        Loki.Stream(new Dictionary<string, string> { ["service"] = Service }, LogLine, "ERROR calc: add 4 4 gave 0, expected 8", "INFO calc: started");
    }

    public GateRig Gate { get; }

    public GitHubFake GitHub => Gate.GitHub;

    public LokiFake Loki { get; } = new();

    public string Repo => Gate.Repo;

    /// <summary>The commit that broke add.</summary>
    public string BadCommit { get; }

    /// <summary>The App's incident settings: calc's repository, Loki, and whatever the test adds.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>A rig whose repository serves <paramref name="config"/> as .github/ghbot.yml ({{repo}} in it: the repository's name).</summary>
    public static async Task<IncidentRig> CreateAsync(ITemporalClient temporal, string config)
    {
        var gate = await GateRig.CreateAsync(temporal, new Dictionary<string, string>
        {
            ["calc.sh"] = $"# calc: shell arithmetic\n{Fixed}\n",
            ["test.sh"] = ". ./calc.sh\n[ \"$(add 2 3)\" = 5 ] && echo ok || { echo \"FAIL: add 2 3 gave $(add 2 3)\"; exit 1; }\n",
        });
        var bad = await gate.Repository.CommitAsync("main", new Dictionary<string, string> { ["calc.sh"] = $"# calc: shell arithmetic\n{Broken}\n" }, "Speed up add");
        gate.WithConfig(config.Replace("{{repo}}", gate.Repo, StringComparison.Ordinal));
        gate.GitHub.ExpectPlan(GateRig.Owner, gate.Repo, GateRig.Token, gate.Repository)
            .ExpectRepositoryInstallation(GateRig.Owner, gate.Repo, 1)
            .ExpectRecentChanges(GateRig.Owner, gate.Repo, GateRig.Token, gate.Repository);
        var rig = new IncidentRig(gate, bad);
        rig.Settings["Incidents:Services:calc:Repository"] = $"{GateRig.Owner}/{gate.Repo}";
        rig.Settings["Incidents:Loki:Url"] = rig.Loki.Url.ToString();
        return rig;
    }

    /// <summary>A worker with every workflow and activity, the App's settings and <see cref="Settings"/>.</summary>
    public Temporalio.Worker.TemporalWorker Worker(RoleChatClient chat) => Gate.Worker(chat, Settings);

    /// <summary>The calc service's alert, as the seed's JSON brings it.</summary>
    public static Alert Alert(string id = "calc-errors")
    {
        var body = $$"""
            {"id":"{{id}}","severity":"critical","service":"calc","message":"calc returns wrong sums",
             "timestamp":"{{DateTimeOffset.UtcNow.AddMinutes(-2).ToString("O", CultureInfo.InvariantCulture)}}","metrics":{"error_rate":0.42},"logs":["{{LogLine}}"]}
            """;
        var (notices, problem) = AlertPayloads.ParseGeneric(body);
        Assert.Null(problem);
        return Assert.Single(notices).Alert;
    }

    public Task<WorkflowHandle<IncidentSwarmWorkflow, IncidentResult>> StartAsync(IncidentInput input) =>
        Gate.Temporal.StartWorkflowAsync(
            (IncidentSwarmWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(WorkflowIds.Incident(input.Alert.Source, $"{input.Alert.Fingerprint}-{Guid.NewGuid():N}"[..40]), Gate.TaskQueue));

    /// <summary>A diagnosis blaming the bad commit, with evidence in the logs and the commit.</summary>
    public object Regression(double confidence, string words = "The commit Speed up add changed add to subtract, so every sum is wrong") => new
    {
        root_cause = words,
        category = "code-regression",
        evidence = new object[]
        {
            new { source = "change", @ref = BadCommit[..10], detail = "changed + to - in add" },
            new { source = "logs", @ref = LogLine, detail = "sums are off" },
        },
        confidence,
        suggested_fix = "Add instead of subtracting in add().",
        files = new[] { "calc.sh" },
    };

    /// <summary>A diagnosis of another kind, with nothing real behind it.</summary>
    public static object Other(string category, string cause, double confidence) => new
    {
        root_cause = cause,
        category,
        evidence = new object[] { new { source = "metrics", @ref = "nothing_like_this", detail = "a guess" } },
        confidence,
        suggested_fix = string.Empty,
        files = Array.Empty<string>(),
    };

    /// <summary>The coder's hotfix: add adds again.</summary>
    public static object Hotfix() => PlanScenarios.Coder("Add again.", new { path = "calc.sh", search = Broken, replace = Fixed });

    /// <summary>The incident's issue (labelled as one).</summary>
    public int IssueNumber() => Assert.Single(GitHub.Issues.Keys, n => GitHub.Labels(n).Contains(IncidentTexts.IncidentLabel));

    public string IssueBody(int issue) => GitHub.Issues[issue]["body"]!.GetValue<string>();

    public void Dispose()
    {
        Gate.Dispose();
        Loki.Dispose();
    }
}

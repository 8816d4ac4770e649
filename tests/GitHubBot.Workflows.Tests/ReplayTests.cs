using GitHubBot.Core.Commands;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Converters;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Committed histories of released workflow versions replay against today's code, so a change that would break
/// running workflows (a new command order without Workflow.Patched) fails here. Histories are added, never replaced:
/// after a patched change, GHBOT_WRITE_HISTORIES=v3 dotnet test --filter Replay writes quality-gate-v3*.json (one per
/// scenario) beside the older ones; existing files are never overwritten.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class ReplayTests(TemporalServerFixture temporal)
{
    private static string HistoryDir => Path.Combine(RepositoryPaths.Root, "tests", "GitHubBot.Workflows.Tests", "histories");

    [Fact]
    public async Task Committed_quality_gate_histories_replay_without_nondeterminism()
    {
        var files = Directory.GetFiles(HistoryDir, "quality-gate-*.json");
        Assert.NotEmpty(files);

        await ReplayAllAsync(files, new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<QualityGateWorkflow>()));
    }

    /// <summary>
    /// Representative runs: fixes pushed and re-checked; an untrusted PR stopped while it waits; a bad configuration;
    /// a re-run of a fork's PR by a non-member, judged from the PR as GitHub reports it, stopped while it waits.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("-waiting-cancelled")]
    [InlineData("-invalid-config")]
    [InlineData("-rerun-waiting-cancelled")]
    public async Task A_fresh_run_of_the_gate_replays_and_can_refresh_the_committed_history(string scenario)
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["style.txt"] = "messy\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        rig.WithConfig(scenario == "-invalid-config"
            ? "quality_gate:\n  checks:\n    unit_tests: { run: make, weight: heavy }\n"
            : """
            quality_gate:
              auto_fix: true
              checks:
                unit_tests: { run: "test -f feature.txt" }
                linting: { run: "grep -q formatted style.txt", fix: "echo formatted > style.txt" }
            """);
        using var worker = rig.Worker();

        var history = await worker.ExecuteAsync(async () =>
        {
            if (scenario is "-waiting-cancelled" or "-rerun-waiting-cancelled")
            {
                if (scenario == "-rerun-waiting-cancelled")
                {
                    rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, sha, "feature", rig.Repository.CloneUrl, fromFork: true, authorAssociation: "NONE");
                }

                var waiting = await rig.StartAsync(scenario == "-waiting-cancelled"
                    ? rig.Input(sha) with { FromFork = true, AuthorAssociation = "NONE" }
                    : rig.Input(sha) with { CloneUrl = null, AuthorAssociation = "CONTRIBUTOR", TrustFromPullRequest = true, Trigger = "check_suite.rerequested" });
                await GateWorkflowTests.WaitUntilAsync(async () => (await waiting.QueryAsync(wf => wf.Status)).WaitingForOkToTest);
                await waiting.SignalAsync(wf => wf.CancelAsync(new CancelGate("Closed without review.")));
                Assert.Equal("cancelled", (await waiting.GetResultAsync()).Conclusion);
                return await waiting.FetchHistoryAsync();
            }

            var handle = await rig.StartAsync(rig.Input(sha));
            await handle.GetResultAsync();
            return await handle.FetchHistoryAsync();
        });

        var replay = await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<QualityGateWorkflow>()).ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(replay.ReplayFailure);

        // Histories of released versions are kept: only a file that does not exist yet is written.
        if (HistoryVersion("quality-gate") is { } version)
        {
            await WriteHistoryAsync($"quality-gate-{version}{scenario}", history);
        }
    }

    /// <summary>Replays each committed history file; a non-deterministic change fails naming the file.</summary>
    private static async Task ReplayAllAsync(IEnumerable<string> files, WorkflowReplayer replayer)
    {
        foreach (var file in files)
        {
            var history = WorkflowHistory.FromJson($"replay-{Path.GetFileNameWithoutExtension(file)}", await File.ReadAllTextAsync(file));
            var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            Assert.True(result.ReplayFailure is null, $"{Path.GetFileName(file)}: {result.ReplayFailure}");
        }
    }

    /// <summary>
    /// The version to write <paramref name="workflow"/>'s fresh histories as, from GHBOT_WRITE_HISTORIES: one version
    /// for all ("v3"), or one per workflow ("plan-patch-pr=v2,change-request=v1"); null: none is written.
    /// </summary>
    internal static string? HistoryVersion(string workflow)
    {
        var setting = Environment.GetEnvironmentVariable("GHBOT_WRITE_HISTORIES");
        if (string.IsNullOrWhiteSpace(setting))
        {
            return null;
        }

        if (!setting.Contains('=', StringComparison.Ordinal))
        {
            return setting.Trim();
        }

        return setting.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .FirstOrDefault(pair => pair[0] == workflow)?[1];
    }

    /// <summary>Writes a history of a released version beside the others; an existing file is never overwritten.</summary>
    internal static async Task WriteHistoryAsync(string name, WorkflowHistory history)
    {
        var file = Path.Combine(HistoryDir, $"{name}.json");
        if (!File.Exists(file))
        {
            await File.WriteAllTextAsync(file, history.ToJson());
        }
    }

    [Fact]
    public async Task Committed_change_request_histories_replay_without_nondeterminism()
    {
        var files = Directory.GetFiles(HistoryDir, "change-request-*.json");
        Assert.NotEmpty(files);
        await ReplayAllAsync(files, new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<ChangeRequests.ChangeRequestWorkflow>()));
    }

    [Fact]
    public async Task Committed_plan_patch_pr_histories_replay_without_nondeterminism()
    {
        var files = Directory.GetFiles(HistoryDir, "plan-patch-pr-*.json");
        Assert.NotEmpty(files);
        await ReplayAllAsync(files, new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<PlanPatchPr.PlanPatchPrWorkflow>()));
    }

    [Fact]
    public async Task Committed_incident_swarm_histories_replay_without_nondeterminism()
    {
        var files = Directory.GetFiles(HistoryDir, "incident-swarm-*.json");
        Assert.NotEmpty(files);
        await ReplayAllAsync(files, new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<IncidentSwarm.IncidentSwarmWorkflow>()));
    }

    [Fact]
    public async Task Committed_code_migration_histories_replay_without_nondeterminism()
    {
        var files = Directory.GetFiles(HistoryDir, "code-migration-*.json");
        Assert.NotEmpty(files);
        await ReplayAllAsync(files, new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<CodeMigration.CodeMigrationWorkflow>()));
    }

    /// <summary>Written by RedeliverySweepTests' paging test (GHBOT_WRITE_HISTORIES=redelivery-sweep=v1).</summary>
    [Fact]
    public async Task Committed_redelivery_sweep_histories_replay_without_nondeterminism()
    {
        var files = Directory.GetFiles(HistoryDir, "redelivery-sweep-*.json");
        Assert.NotEmpty(files);
        await ReplayAllAsync(files, new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<Redelivery.RedeliverySweepWorkflow>()));
    }

    [Fact]
    public async Task Committed_command_histories_replay_and_a_fresh_run_can_add_one()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        rig.WithConfig("commands:\n  status: read\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "reader", "read");
        using var worker = rig.Worker();
        var input = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = 7,
            IsPullRequest = true,
            CommentId = 5,
            Author = "reader",
            Commands = Core.Commands.SlashCommands.Parse("/status\n/help\n/fix\n/nope"),
        };

        var history = await worker.ExecuteAsync(async () =>
        {
            var handle = await temporal.Client.StartWorkflowAsync((Commands.CommandWorkflow wf) => wf.RunAsync(input), new WorkflowOptions($"command-replay-{Guid.NewGuid():N}", rig.TaskQueue));
            await handle.GetResultAsync();
            return await handle.FetchHistoryAsync();
        });

        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<Commands.CommandWorkflow>());
        Assert.Null((await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false)).ReplayFailure);
        var files = Directory.GetFiles(HistoryDir, "command-*.json");
        await ReplayAllAsync(files, replayer);

        if (HistoryVersion("command") is { } version
            && Path.Combine(HistoryDir, $"command-{version}.json") is var path && !File.Exists(path))
        {
            await File.WriteAllTextAsync(path, history.ToJson());
        }
        else
        {
            Assert.NotEmpty(files);
        }
    }

    /// <summary>
    /// A writer's /gate starts a gate that judges the PR from GitHub (the gate-trust-from-pr patch): its history is kept
    /// as command-vN-gate.json and replayed with the others.
    /// </summary>
    [Fact]
    public async Task A_writers_gate_command_replays_and_a_fresh_run_can_add_its_history()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.WithConfig("quality_gate:\n  checks:\n    unit_tests: { run: \"true\" }\n");
        rig.GitHub.ExpectPermission(GateRig.Owner, rig.Repo, "writer", "write")
            .ExpectPullRequest(GateRig.Owner, rig.Repo, 7, sha, "feature", rig.Repository.CloneUrl);
        using var worker = rig.Worker();
        var input = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = 7,
            IsPullRequest = true,
            CommentId = 6,
            Author = "writer",
            Commands = Core.Commands.SlashCommands.Parse("/gate"),
        };

        var (history, gateInput) = await worker.ExecuteAsync(async () =>
        {
            var handle = await temporal.Client.StartWorkflowAsync((Commands.CommandWorkflow wf) => wf.RunAsync(input), new WorkflowOptions($"command-replay-{Guid.NewGuid():N}", rig.TaskQueue));
            var result = await handle.GetResultAsync();
            var gate = temporal.Client.GetWorkflowHandle(result.Outcomes[0].WorkflowId!);
            await gate.GetResultAsync<QualityGateResult>();
            var started = (await gate.FetchHistoryAsync()).Events.First().WorkflowExecutionStartedEventAttributes.Input.Payloads_[0];
            return (await handle.FetchHistoryAsync(), temporal.Client.Options.DataConverter.PayloadConverter.ToValue<QualityGateInput>(started));
        });

        Assert.True(gateInput.TrustFromPullRequest);
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<Commands.CommandWorkflow>());
        Assert.Null((await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false)).ReplayFailure);
        if (HistoryVersion("command") is { } version)
        {
            await WriteHistoryAsync($"command-{version}-gate", history);
        }
    }
}

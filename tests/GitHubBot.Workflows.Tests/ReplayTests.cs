using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Committed histories of released workflow versions replay against today's code, so a change that would break
/// running workflows (a new command order without Workflow.Patched) fails here. Histories are added, never replaced:
/// after a patched change, GHBOT_WRITE_HISTORIES=v2 dotnet test --filter Replay writes quality-gate-v2.json beside
/// the older ones.
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

        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<QualityGateWorkflow>());
        foreach (var file in files)
        {
            var history = WorkflowHistory.FromJson($"replay-{Path.GetFileNameWithoutExtension(file)}", await File.ReadAllTextAsync(file));
            var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            Assert.True(result.ReplayFailure is null, $"{Path.GetFileName(file)}: {result.ReplayFailure}");
        }
    }

    [Fact]
    public async Task A_fresh_run_of_the_gate_replays_and_can_refresh_the_committed_history()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["style.txt"] = "messy\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        rig.WithConfig("""
            quality_gate:
              auto_fix: true
              checks:
                unit_tests: { run: "test -f feature.txt" }
                linting: { run: "grep -q formatted style.txt", fix: "echo formatted > style.txt" }
            """);
        using var worker = rig.Worker();

        var history = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(sha));
            await handle.GetResultAsync();
            return await handle.FetchHistoryAsync();
        });

        var replay = await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<QualityGateWorkflow>()).ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(replay.ReplayFailure);
        if (Environment.GetEnvironmentVariable("GHBOT_WRITE_HISTORIES") is { Length: > 0 } version)
        {
            var file = Path.Combine(HistoryDir, $"quality-gate-{version}.json");
            Assert.False(File.Exists(file), $"{file} exists: histories of released versions are kept, pick a new version name.");
            await File.WriteAllTextAsync(file, history.ToJson());
        }
    }
}

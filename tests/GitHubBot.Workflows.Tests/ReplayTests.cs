using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
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
        using var fake = new GitHubFake();
        fake.ExpectGateCheckRun("Codertocat", "Hello-World", 1, 5, "ghs_r");
        using var clients = TestApp.Clients(fake);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var worker = new TemporalWorker(temporal.Client, QualityGateWorkflowTests.WorkerOptions(taskQueue, new GitHubActivities(clients, new TemporalUiLinks(null, "default"), TimeProvider.System)));

        var history = await worker.ExecuteAsync(async () =>
        {
            var handle = await temporal.Client.StartWorkflowAsync(
                (QualityGateWorkflow wf) => wf.RunAsync(QualityGateWorkflowTests.Input()),
                new WorkflowOptions($"gate-replay-{Guid.NewGuid():N}", taskQueue));
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

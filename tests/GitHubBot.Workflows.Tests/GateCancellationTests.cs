using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;

namespace GitHubBot.Workflows.Tests;

/// <summary>A gate stops when a newer head replaces it, when a person cancels it, or through Temporal: its checks are killed and its check run says why.</summary>
[Collection(TemporalCollection.Name)]
public sealed class GateCancellationTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_newer_head_cancels_the_older_gate_whose_check_run_points_to_the_newer_one_and_whose_checks_are_killed()
    {
        var marker = GateWorkflowTests.Marker();
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var first = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.WithConfig($$"""
            quality_gate:
              checks:
                unit_tests: { run: "test -f b.txt || sleep 300 {{marker}}", timeout: 10m }
                linting: { run: "true" }
            """);
        using var worker = rig.Worker();

        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, first, "feature", rig.Repository.CloneUrl);
        var (older, newer, status) = await worker.ExecuteAsync(async () =>
        {
            var olderHandle = await rig.StartAsync(rig.Input(first));
            await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count > 0);
            await GateWorkflowTests.WaitUntilAsync(async () => (await olderHandle.QueryAsync(wf => wf.Status)).Checks.Any(c => c.State == "passed"));
            var running = await olderHandle.QueryAsync(wf => wf.Status);

            var second = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["b.txt"] = "2\n" });
            rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, second, "feature", rig.Repository.CloneUrl);
            var newerHandle = await rig.StartAsync(rig.Input(second) with { Trigger = "pull_request.synchronize" });
            return (await olderHandle.GetResultAsync(), (Handle: newerHandle, Result: await newerHandle.GetResultAsync()), running);
        });

        Assert.Equal(("running checks", 1, 2), (status.Stage, status.ChecksDone, status.ChecksTotal));
        Assert.Equal(["running", "passed"], status.Checks.Select(c => c.State));
        Assert.Equal("cancelled", older.Conclusion);
        var closing = rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, older.CheckRunId)[^1];
        Assert.Equal("cancelled", (string?)closing["conclusion"]);
        Assert.Contains(newer.Handle.Id, (string?)closing["output"]!["summary"], StringComparison.Ordinal);
        Assert.Contains("http://temporal-ui.test/namespaces/default/workflows/", (string?)closing["output"]!["summary"], StringComparison.Ordinal);
        Assert.True(newer.Result.CanMerge);
        await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count == 0);
        Assert.True(rig.WorkspacesEmpty);
    }

    [Fact]
    public async Task A_late_gate_of_an_older_head_does_not_cancel_the_gate_of_the_newer_one()
    {
        var marker = GateWorkflowTests.Marker();
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var older = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        var newer = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["b.txt"] = "2\n" });
        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, newer, "feature", rig.Repository.CloneUrl);
        rig.WithConfig($$"""
            quality_gate:
              checks:
                unit_tests: { run: "test -f b.txt && sleep 3 {{marker}} || true" }
            """);
        using var worker = rig.Worker();

        var (newerResult, olderResult) = await worker.ExecuteAsync(async () =>
        {
            var newerHandle = await rig.StartAsync(rig.Input(newer) with { Trigger = "pull_request.synchronize" });
            await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count > 0);
            var olderHandle = await rig.StartAsync(rig.Input(older));
            return (await newerHandle.GetResultAsync(), await olderHandle.GetResultAsync());
        });

        Assert.Equal("success", newerResult.Conclusion);
        Assert.Equal("success", olderResult.Conclusion);
    }

    [Fact]
    public async Task A_person_can_cancel_a_gate_with_the_cancel_signal_even_before_it_started_working()
    {
        var marker = GateWorkflowTests.Marker();
        var (rig, sha) = await SleepingGateAsync(marker);
        using var disposeRig = rig;
        using var worker = rig.Worker();

        var (running, early) = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(sha));
            await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count > 0);
            await handle.SignalAsync(wf => wf.CancelAsync(new CancelGate("Cancelled by @Codertocat with /cancel.")));
            var first = await handle.GetResultAsync();

            // A Cancel that arrives with the gate's first task (signal-with-start) stops it before it does anything.
            var options = new Temporalio.Client.WorkflowOptions($"gate/{GateRig.Owner}/{rig.Repo}/8/{sha}", rig.TaskQueue);
            options.SignalWithStart((QualityGateWorkflow wf) => wf.CancelAsync(new CancelGate("Stopped at once.")));
            var second = await temporal.Client.StartWorkflowAsync((QualityGateWorkflow wf) => wf.RunAsync(rig.Input(sha, pr: 8)), options);
            return (first, await second.GetResultAsync());
        });

        Assert.Equal("cancelled", running.Conclusion);
        Assert.Equal(["Cancelled by @Codertocat with /cancel."], running.BlockingIssues);
        var closing = rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, running.CheckRunId)[^1];
        Assert.Equal(("cancelled", "Quality gate cancelled"), ((string?)closing["conclusion"], (string?)closing["output"]!["title"]));
        Assert.Equal("cancelled", early.Conclusion);
        Assert.Single(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo));
        await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count == 0);
        Assert.True(rig.WorkspacesEmpty);
    }

    [Fact]
    public async Task A_gate_cancelled_through_temporal_kills_its_checks_and_closes_its_check_run_as_cancelled()
    {
        var marker = GateWorkflowTests.Marker();
        var (rig, sha) = await SleepingGateAsync(marker);
        using var disposeRig = rig;
        using var worker = rig.Worker();

        await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(sha));
            await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count > 0);
            await handle.CancelAsync();
            var failure = await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.True(Temporalio.Exceptions.TemporalException.IsCanceledException(failure.InnerException!));
        });

        Assert.Equal("cancelled", (string?)rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, 1000)[^1]["conclusion"]);
        await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count == 0);
        Assert.True(rig.WorkspacesEmpty);
    }

    private async Task<(GateRig Rig, string Sha)> SleepingGateAsync(string marker)
    {
        var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.WithConfig($$"""
            quality_gate:
              checks:
                unit_tests: { run: "sleep 300 {{marker}}" }
            """);
        return (rig, sha);
    }
}

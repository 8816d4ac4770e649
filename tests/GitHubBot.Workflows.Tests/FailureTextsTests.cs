using GitHubBot.Testing;
using Temporalio.Exceptions;
using static GitHubBot.Workflows.Tests.PlanScenarios;

namespace GitHubBot.Workflows.Tests;

/// <summary>What a failure says on GitHub names none of the worker's own files (its DataDir, workspaces, temporary directory).</summary>
[Collection(TemporalCollection.Name)]
public sealed class FailureTextsTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_failure_whose_words_name_the_workers_files_reaches_the_issue_without_them()
    {
        using var rig = await RigAsync(temporal.Client, Config);
        var issue = MulIssue(rig);

        // Where the worker keeps its snapshot repositories, a file is in the way: every read of the repository fails,
        // and .NET's words for it name the full path.
        Directory.CreateDirectory(Path.Combine(rig.WorkspaceRoot, ".worker"));
        await File.WriteAllTextAsync(Path.Combine(rig.WorkspaceRoot, ".worker", "snapshots"), "in the way\n");
        using var worker = rig.Worker(Script(Mul()));

        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() => RunAsync(rig, issue)));

        var progress = Progress(rig, issue).Body;
        Assert.Contains("**Stopped.** The run failed:", progress, StringComparison.Ordinal);
        Assert.Contains("'…/snapshots'", progress, StringComparison.Ordinal);
        Assert.DoesNotContain(rig.WorkspaceRoot, progress, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), progress, StringComparison.Ordinal);
        Assert.DoesNotContain(rig.WorkspaceRoot, failure.InnerException!.Message, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }
}

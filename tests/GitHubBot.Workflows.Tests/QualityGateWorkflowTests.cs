using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using Temporalio.Client;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Tests;

[Collection(TemporalCollection.Name)]
public sealed class QualityGateWorkflowTests(TemporalServerFixture temporal)
{
    private const string HeadSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    /// <summary>The input of the first version's gates (no clone URL, no trust information).</summary>
    internal static QualityGateInput Input(long installationId = 1) => new()
    {
        Owner = "Codertocat",
        Repo = "Hello-World",
        PullRequestNumber = 2,
        HeadSha = HeadSha,
        Branch = "changes",
        InstallationId = installationId,
        Trigger = "pull_request.opened",
    };

    internal static TemporalWorkerOptions WorkerOptions(string taskQueue, GitHubActivities activities) =>
        new TemporalWorkerOptions(taskQueue).AddAllActivities(activities).AddWorkflow<QualityGateWorkflow>();

    [Fact]
    public async Task The_gate_creates_its_check_run_in_progress_on_the_head_sha_as_the_installation_and_a_repository_without_checks_ends_neutral()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "nothing to check\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["notes.txt"] = "x\n" });
        using var worker = rig.Worker();
        var workflowId = $"gate/{GateRig.Owner}/{rig.Repo}/7/{sha}";

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha), workflowId)).GetResultAsync());

        var create = Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/check-runs"));
        var body = System.Text.Json.Nodes.JsonNode.Parse(create.Body!)!;
        Assert.Equal("GitHubBot / quality gate", (string?)body["name"]);
        Assert.Equal(sha, (string?)body["head_sha"]);
        Assert.Equal("in_progress", (string?)body["status"]);
        Assert.Equal(workflowId, (string?)body["external_id"]);
        Assert.Equal($"http://temporal-ui.test/namespaces/default/workflows/{Uri.EscapeDataString(workflowId)}", (string?)body["details_url"]);
        Assert.Equal("Bearer ghs_gate", create.Headers!["Authorization"].Single());
        Assert.Empty(rig.GitHub.JwtProblems);

        var update = rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, 1000).Single();
        Assert.Equal(("completed", "neutral"), ((string?)update["status"], (string?)update["conclusion"]));
        Assert.Equal(1000, result.CheckRunId);
        Assert.False(result.CanMerge);
        Assert.Equal("neutral", result.Conclusion);
        Assert.Equal(["No checks ran: configure them in .github/ghbot.yml."], result.BlockingIssues);
        Assert.Contains("| unit tests | ➖ skipped — nothing to check it with: no .NET solution or project, package.json or Python project", Assert.Single(rig.GitHub.CommentsOn(7)).Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_permanent_github_error_fails_the_gate_with_githubs_message_instead_of_retrying()
    {
        using var fake = new GitHubFake();
        fake.ExpectInstallationToken(1, "ghs_gate")
            .Respond("GET", "/repos/Codertocat/Hello-World/contents/.github/ghbot.yml", 404, """{"message":"Not Found"}""")
            .Respond("GET", "/repos/Codertocat/.github/contents/.github/ghbot.yml", 404, """{"message":"Not Found"}""")
            .Respond("POST", "/repos/Codertocat/Hello-World/check-runs", 422, """{"message":"Validation Failed"}""");
        using var clients = TestApp.Clients(fake);
        var activities = new GitHubActivities(clients, new TemporalUiLinks(null, "default"), TimeProvider.System);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var worker = new TemporalWorker(temporal.Client, WorkerOptions(taskQueue, activities));

        var input = Input() with { CloneUrl = "file:///nowhere.git", Trigger = "check_run.rerequested" };
        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => temporal.Client.ExecuteWorkflowAsync(
            (QualityGateWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions($"gate-fail-{Guid.NewGuid():N}", taskQueue))));

        var cause = Assert.IsType<Temporalio.Exceptions.ActivityFailureException>(failure.InnerException);
        var app = Assert.IsType<Temporalio.Exceptions.ApplicationFailureException>(cause.InnerException);
        Assert.Equal("GitHubClientError", app.ErrorType);
        Assert.Contains("422", app.Message, StringComparison.Ordinal);
        Assert.Single(fake.RequestsTo("POST", "/repos/Codertocat/Hello-World/check-runs"));
    }
}

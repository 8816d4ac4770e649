using System.Text.Json.Nodes;
using GitHubBot.Core.Contracts;
using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using Temporalio.Client;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Tests;

[Collection(TemporalCollection.Name)]
public sealed class QualityGateWorkflowTests(TemporalServerFixture temporal) : IDisposable
{
    private const string HeadSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    private readonly GitHubFake fake = new();

    public void Dispose() => fake.Dispose();

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
    public async Task The_gate_creates_its_check_run_in_progress_on_the_head_sha_as_the_installation()
    {
        fake.ExpectGateCheckRun("Codertocat", "Hello-World", 1, 9001, "ghs_gate");
        using var clients = TestApp.Clients(fake);
        var activities = new GitHubActivities(clients, new TemporalUiLinks(new Uri("http://127.0.0.1:8233/"), "default"), TimeProvider.System);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var worker = new TemporalWorker(temporal.Client, WorkerOptions(taskQueue, activities));

        var workflowId = $"gate/Codertocat/Hello-World/2/{Guid.NewGuid():N}";
        var result = await worker.ExecuteAsync(() => temporal.Client.ExecuteWorkflowAsync(
            (QualityGateWorkflow wf) => wf.RunAsync(Input()),
            new WorkflowOptions(workflowId, taskQueue)));

        var create = Assert.Single(fake.RequestsTo("POST", "/repos/Codertocat/Hello-World/check-runs"));
        var body = JsonNode.Parse(create.Body!)!;
        Assert.Equal("GitHubBot / quality gate", (string?)body["name"]);
        Assert.Equal(HeadSha, (string?)body["head_sha"]);
        Assert.Equal("in_progress", (string?)body["status"]);
        Assert.Equal(workflowId, (string?)body["external_id"]);
        Assert.Equal($"http://127.0.0.1:8233/namespaces/default/workflows/{Uri.EscapeDataString(workflowId)}", (string?)body["details_url"]);
        Assert.Equal("Bearer ghs_gate", create.Headers!["Authorization"].Single());
        Assert.Empty(fake.JwtProblems);
        Assert.Single(fake.RequestsTo("POST", "/app/installations/1/access_tokens"));

        var update = JsonNode.Parse(Assert.Single(fake.RequestsTo("PATCH", "/repos/Codertocat/Hello-World/check-runs/9001")).Body!)!;
        Assert.Equal("completed", (string?)update["status"]);
        Assert.Equal("neutral", (string?)update["conclusion"]);
        Assert.Equal(9001, result.CheckRunId);
        Assert.False(result.CanMerge);
        Assert.Equal("neutral", result.Conclusion);
        fake.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_permanent_github_error_fails_the_gate_with_githubs_message_instead_of_retrying()
    {
        fake.ExpectInstallationToken(1, "ghs_gate")
            .Respond("POST", "/repos/Codertocat/Hello-World/check-runs", 422, """{"message":"Validation Failed"}""");
        using var clients = TestApp.Clients(fake);
        var activities = new GitHubActivities(clients, new TemporalUiLinks(null, "default"), TimeProvider.System);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var worker = new TemporalWorker(temporal.Client, WorkerOptions(taskQueue, activities));

        var failure = await worker.ExecuteAsync(() => Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => temporal.Client.ExecuteWorkflowAsync(
            (QualityGateWorkflow wf) => wf.RunAsync(Input()),
            new WorkflowOptions($"gate-fail-{Guid.NewGuid():N}", taskQueue))));

        var cause = Assert.IsType<Temporalio.Exceptions.ActivityFailureException>(failure.InnerException);
        var app = Assert.IsType<Temporalio.Exceptions.ApplicationFailureException>(cause.InnerException);
        Assert.Equal("GitHubClientError", app.ErrorType);
        Assert.Contains("422", app.Message, StringComparison.Ordinal);
        Assert.Single(fake.RequestsTo("POST", "/repos/Codertocat/Hello-World/check-runs"));
    }

    [Fact]
    public async Task A_gate_cancelled_after_its_check_run_opened_closes_it_as_cancelled()
    {
        fake.ExpectInstallationToken(1, "ghs_gate")
            .ExpectCreateCheckRun("Codertocat", "Hello-World", 4040, "ghs_gate")
            .ExpectUpdateCheckRun("Codertocat", "Hello-World", 4040, "ghs_gate", delay: TimeSpan.FromSeconds(2));
        using var clients = TestApp.Clients(fake);
        var activities = new GitHubActivities(clients, new TemporalUiLinks(null, "default"), TimeProvider.System);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var worker = new TemporalWorker(temporal.Client, WorkerOptions(taskQueue, activities));

        await worker.ExecuteAsync(async () =>
        {
            var handle = await temporal.Client.StartWorkflowAsync(
                (QualityGateWorkflow wf) => wf.RunAsync(Input()),
                new WorkflowOptions($"gate-cancel-{Guid.NewGuid():N}", taskQueue));
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while ((await handle.QueryAsync(wf => wf.Status)).Stage != "completing")
            {
                await Task.Delay(50, patience.Token);
            }

            await handle.CancelAsync();
            var failure = await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.True(Temporalio.Exceptions.TemporalException.IsCanceledException(failure.InnerException!));
        });

        var conclusions = fake.RequestsTo("PATCH", "/repos/Codertocat/Hello-World/check-runs/4040")
            .Select(r => (string?)JsonNode.Parse(r.Body!)!["conclusion"]).ToList();
        Assert.Contains("cancelled", conclusions);
    }
}

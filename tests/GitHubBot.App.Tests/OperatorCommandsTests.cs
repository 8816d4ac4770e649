using GitHubBot.App.Cli;
using GitHubBot.Core.Contracts;
using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using Temporalio.Worker;

namespace GitHubBot.App.Tests;

/// <summary>`ghbot status|wait|signal|list` against a real Temporal server.</summary>
[Collection(TemporalCollection.Name)]
public sealed class OperatorCommandsTests(TemporalServerFixture temporal)
{
    private static QualityGateInput Input(string repo) => new()
    {
        Owner = "octo",
        Repo = repo,
        PullRequestNumber = 4,
        HeadSha = "feedface",
        Branch = "topic",
        InstallationId = 8,
    };

    [Fact]
    public async Task Status_shows_a_running_workflows_state_and_delivery()
    {
        var id = $"gate/octo/status/4/{Guid.NewGuid():N}";
        await temporal.Client.StartWorkflowAsync((QualityGateWorkflow wf) => wf.RunAsync(Input("status")), new WorkflowOptions(id, TemporalServerFixture.NewTaskQueue())
        {
            Memo = new Dictionary<string, object> { ["deliveryId"] = "d-status" },
        });

        var (code, output, _) = await RunAsync("status", id, "--address", temporal.Address);

        Assert.Equal(0, code);
        Assert.Contains("\"state\": \"running\"", output, StringComparison.Ordinal);
        Assert.Contains("\"type\": \"QualityGateWorkflow\"", output, StringComparison.Ordinal);
        Assert.Contains("\"deliveryId\": \"d-status\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_and_signal_of_an_unknown_workflow_say_so()
    {
        var (status, _, statusError) = await RunAsync("status", "gate/none/none/1/none", "--address", temporal.Address);
        var (signal, _, signalError) = await RunAsync("signal", "gate/none/none/1/none", "Cancel", "--address", temporal.Address);

        Assert.Equal(2, status);
        Assert.Contains("No workflow with ID gate/none/none/1/none", statusError, StringComparison.Ordinal);
        Assert.Equal(2, signal);
        Assert.Contains("No running workflow", signalError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_prints_the_result_of_a_gate_and_list_finds_it()
    {
        using var github = new GitHubFake();
        github.ExpectGateCheckRun("octo", "wait", 8, 99, "ghs_cli");
        var options = Options.Create(new GitHubOptions { AppId = github.AppId, PrivateKey = github.PrivateKeyPem, ApiBaseUrl = github.ApiBaseUrl });
        using var clients = new GitHubClients(options, new AppJwtFactory(options, TimeProvider.System), TimeProvider.System);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var worker = new TemporalWorker(temporal.Client, new TemporalWorkerOptions(taskQueue)
            .AddAllActivities(new GitHubActivities(clients, new TemporalUiLinks(null, "default"), TimeProvider.System))
            .AddWorkflow<QualityGateWorkflow>());
        var id = $"gate/octo/wait/4/{Guid.NewGuid():N}";

        var (code, output, _) = await worker.ExecuteAsync(async () =>
        {
            await temporal.Client.StartWorkflowAsync((QualityGateWorkflow wf) => wf.RunAsync(Input("wait")), new WorkflowOptions(id, taskQueue));
            return await RunAsync("wait", id, "--address", temporal.Address, "--timeout", "00:01:00");
        });
        var (listed, list, _) = await RunAsync("list", "--query", $"WorkflowId = '{id}'", "--address", temporal.Address);

        Assert.Equal(0, code);
        Assert.Contains("\"CheckRunId\": 99", output, StringComparison.Ordinal);
        Assert.Contains("\"Conclusion\": \"neutral\"", output, StringComparison.Ordinal);
        Assert.Equal(0, listed);
        Assert.Contains(id, list, StringComparison.Ordinal);
        Assert.Contains("completed", list, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GhbotCommandLine.RunAsync(args, CancellationToken.None, output, error);
        return (code, output.ToString(), error.ToString());
    }
}

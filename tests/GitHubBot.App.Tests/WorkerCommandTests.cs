using System.Globalization;
using System.Text.Json.Nodes;
using GitHubBot.App.Cli;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Temporalio.Client;

namespace GitHubBot.App.Tests;

/// <summary>`ghbot worker --host --namespace --task-queue --workers N` runs workers only, against an existing server.</summary>
[Collection(TemporalCollection.Name)]
public sealed class WorkerCommandTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task Worker_only_processes_run_the_gate_from_the_given_task_queue()
    {
        using var github = new GitHubFake();
        using var dataDir = new TempDirectory("ghbot-worker-");
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("feature", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        github.ExpectGate("octo", "worker-only", 5, "ghs_worker", 11);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var stop = new CancellationTokenSource();
        var worker = GhbotCommandLine.RunAsync(
        [
            "worker", "--host", temporal.Address, "--namespace", "default", "--task-queue", taskQueue, "--workers", "2",
            $"--GitHub:AppId={github.AppId.ToString(CultureInfo.InvariantCulture)}",
            $"--GitHub:PrivateKey={github.PrivateKeyPem.Replace("\n", "\\n", StringComparison.Ordinal)}",
            $"--GitHub:ApiBaseUrl={github.ApiBaseUrl}",
            $"--DataDir={dataDir.Path}",
        ], stop.Token);

        await Task.Delay(3000);
        if (worker.IsCompleted)
        {
            Assert.Fail($"ghbot worker exited early with {await worker}");
        }

        var result = await temporal.Client.ExecuteWorkflowAsync<QualityGateResult>(
            "QualityGateWorkflow",
            [new QualityGateInput { Owner = "octo", Repo = "worker-only", PullRequestNumber = 3, HeadSha = sha, Branch = "feature", InstallationId = 5, CloneUrl = remote.CloneUrl }],
            new WorkflowOptions($"gate/octo/worker-only/3/{Guid.NewGuid():N}", taskQueue) { ExecutionTimeout = TimeSpan.FromSeconds(60) });

        Assert.Equal(11, result.CheckRunId);
        var queue = await temporal.Client.WorkflowService.DescribeTaskQueueAsync(new()
        {
            Namespace = "default",
            TaskQueue = new() { Name = taskQueue },
            TaskQueueType = Temporalio.Api.Enums.V1.TaskQueueType.Workflow,
        });
        Assert.True(queue.Pollers.Select(p => p.Identity).Distinct().Count() >= 2, $"pollers: {string.Join(", ", queue.Pollers.Select(p => p.Identity))}");
        Assert.Equal(sha, (string?)JsonNode.Parse(Assert.Single(github.RequestsTo("POST", "/repos/octo/worker-only/check-runs")).Body!)!["head_sha"]);
        Assert.True(WorkspaceRoot.AreEmpty(Path.Combine(dataDir.Path, "workspaces")), string.Join(", ", Directory.EnumerateFileSystemEntries(Path.Combine(dataDir.Path, "workspaces"))));
        await Task.Delay(500);
        await stop.CancelAsync();
        Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_worker_that_cannot_reach_temporal_exits_with_a_failure_code()
    {
        using var github = new GitHubFake();

        var exitCode = await GhbotCommandLine.RunAsync(
        [
            "worker", "--host", "127.0.0.1:1", "--task-queue", TemporalServerFixture.NewTaskQueue(),
            $"--GitHub:AppId={github.AppId.ToString(CultureInfo.InvariantCulture)}",
            $"--GitHub:PrivateKey={github.PrivateKeyPem.Replace("\n", "\\n", StringComparison.Ordinal)}",
        ]).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task A_bad_encryption_key_is_one_line_naming_the_setting_and_exit_code_2()
    {
        var error = new StringWriter();
        var before = Console.Error;
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = await GhbotCommandLine.RunAsync(["worker", "--host", "127.0.0.1:1", "--Temporal:EncryptionKey=not-a-key"]).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Console.SetError(before);
        }

        Assert.Equal(2, exitCode);
        var said = error.ToString();
        Assert.Contains("Temporal:EncryptionKey is not base64", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_grace_period_that_is_negative_or_not_a_time_span_is_one_line_naming_the_setting_and_exit_code_2()
    {
        var (exitCode, said) = await RunWorkerAsync(["worker", "--host", "127.0.0.1:1", "--Gate:Sandbox=off", "--Worker:GracefulShutdownTimeout=-00:00:05"]);
        Assert.Equal(2, exitCode);
        Assert.Equal("Worker:GracefulShutdownTimeout must not be negative, e.g. 00:00:30.", said.Trim());

        (exitCode, said) = await RunWorkerAsync(["worker", "--host", "127.0.0.1:1", "--Gate:Sandbox=off", "--Worker:GracefulShutdownTimeout=soon"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("Worker:GracefulShutdownTimeout", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_that_cannot_sandbox_the_prs_code_refuses_in_one_line_naming_Gate_Sandbox()
    {
        // A limit that is not a number of megabytes is refused before anything starts, naming its setting.
        var (exitCode, said) = await RunWorkerAsync(["worker", "--host", "127.0.0.1:1", "--Gate:Limits:MemoryMb=0"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("Gate:Limits:MemoryMb must be a positive number", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);

        // A machine without bubblewrap (a worker process whose PATH holds no sandbox tools): it says so, and how to
        // run anyway, and does not start.
        using var empty = new TempDirectory("ghbot-no-tools-");
        (exitCode, said) = await GhbotProcess.RunToExitAsync(["worker", "--host", "127.0.0.1:1"], new Dictionary<string, string> { ["PATH"] = empty.Path, ["DataDir"] = empty.Path }, TimeSpan.FromSeconds(60));
        Assert.Equal(2, exitCode);
        Assert.Contains("Gate:Sandbox: pull requests' code cannot be sandboxed on this worker: bwrap, slirp4netns, prlimit", said, StringComparison.Ordinal);
        Assert.Contains("Gate:Sandbox=off", said, StringComparison.Ordinal);
        Assert.Single(said.Trim().Split('\n'));
    }

    private static async Task<(int ExitCode, string Said)> RunWorkerAsync(string[] args)
    {
        var error = new StringWriter();
        var before = Console.Error;
        Console.SetError(error);
        try
        {
            var exitCode = await GhbotCommandLine.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(30));
            return (exitCode, error.ToString());
        }
        finally
        {
            Console.SetError(before);
        }
    }
}

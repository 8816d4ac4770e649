using GitHubBot.App.Cli;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;
using Temporalio.Client;

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

        var (code, output, _) = await GhbotCli.RunAsync("status", id, "--address", temporal.Address);

        Assert.Equal(0, code);
        Assert.Contains("\"state\": \"running\"", output, StringComparison.Ordinal);
        Assert.Contains("\"type\": \"QualityGateWorkflow\"", output, StringComparison.Ordinal);
        Assert.Contains("\"deliveryId\": \"d-status\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_and_signal_of_an_unknown_workflow_say_so()
    {
        var (status, _, statusError) = await GhbotCli.RunAsync("status", "gate/none/none/1/none", "--address", temporal.Address);
        var (signal, _, signalError) = await GhbotCli.RunAsync("signal", "gate/none/none/1/none", "Cancel", "--address", temporal.Address);

        Assert.Equal(1, status);
        Assert.Contains("No workflow with ID gate/none/none/1/none", statusError, StringComparison.Ordinal);
        Assert.Equal(1, signal);
        Assert.Contains("No running workflow", signalError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_quality_gate_runs_the_gate_on_the_prs_current_head_and_wait_prints_its_result_and_list_finds_it()
    {
        using var github = new GitHubFake();
        using var workspaces = new TempDirectory("ghbot-cli-workspaces-");
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("topic", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        github.ExpectGate("octo", "wait", 8, "ghs_cli", 99)
            .ExpectPullRequest("octo", "wait", 4, sha, "topic", remote.CloneUrl)
            .RespondFile("octo", "wait", ".github/ghbot.yml", "quality_gate:\n  required_score: 90\n  checks:\n    unit_tests: { run: \"test -f feature.txt\" }\n");
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var services = TestWorkers.Services(temporal.Client, github, workspaces.Path);
        using var worker = TestWorkers.Create(temporal.Client, taskQueue, services);

        var (started, startOutput, startError) = await GhbotCli.RunAsync(
            "start", "quality-gate", "--repo", "octo/wait", "--pr", "4", "--installation", "8", "--required-score", "95", "--task-queue", taskQueue, "--address", temporal.Address);
        Assert.True(started == 0, startError);
        var id = startOutput.Trim();
        Assert.StartsWith("gate/octo/wait/4/manual-", id, StringComparison.Ordinal);
        var (code, output, _) = await worker.ExecuteAsync(() => GhbotCli.RunAsync("wait", id, "--address", temporal.Address, "--timeout", "00:01:00"));
        var (listed, list, _) = await GhbotCli.RunAsync("list", "--query", $"WorkflowId = '{id}'", "--address", temporal.Address);
        var (again, table, _) = await GhbotCli.RunAsync("wait", id, "--output", "table", "--address", temporal.Address);
        var (json, explicitJson, _) = await GhbotCli.RunAsync("wait", id, "--output", "json", "--address", temporal.Address);

        Assert.Equal(0, code);
        Assert.Contains("\"CheckRunId\": 99", output, StringComparison.Ordinal);
        Assert.Contains("\"Conclusion\": \"success\"", output, StringComparison.Ordinal);
        Assert.Contains("\"OverallScore\": 100", output, StringComparison.Ordinal);
        Assert.Equal((0, 0), (again, json));
        Assert.Equal(output, explicitJson);
        Assert.Matches(@"OverallScore\s*│\s*100", table);
        Assert.Matches(@"Conclusion\s*│\s*success", table);
        Assert.Equal(sha, (string?)github.CheckRunsCreated("octo", "wait")[0]["head_sha"]);
        Assert.Equal(0, listed);
        Assert.Contains(id, list, StringComparison.Ordinal);
        Assert.Contains("completed", list, StringComparison.Ordinal);
        github.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Start_plan_patch_pr_files_the_requirement_as_an_issue_once_and_wait_says_why_it_stopped()
    {
        using var github = new GitHubFake();
        using var workspaces = new TempDirectory("ghbot-cli-plan-");
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        github.ExpectGate("octo", "plan", 8, "ghs_cli").ExpectPlan("octo", "plan", "ghs_cli", remote);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var services = TestWorkers.Services(temporal.Client, github, workspaces.Path);
        using var worker = TestWorkers.Create(temporal.Client, taskQueue, services);
        string[] start = ["start", "plan-patch-pr", "--repo", "octo/plan", "--requirement", $"Greet the user {Guid.NewGuid():N}", "--installation", "8", "--task-queue", taskQueue, "--address", temporal.Address];

        var (started, startOutput, startError) = await GhbotCli.RunAsync(start);
        var (again, againOutput, _) = await GhbotCli.RunAsync(start);
        Assert.True(started == 0, startError);
        Assert.Equal(0, again);
        var id = startOutput.Trim();
        Assert.StartsWith("plan/octo/plan/requirement-", id, StringComparison.Ordinal);
        Assert.Equal(id, againOutput.Trim());
        var (code, _, error) = await worker.ExecuteAsync(() => GhbotCli.RunAsync("wait", id, "--address", temporal.Address, "--timeout", "00:01:00"));

        Assert.Equal(1, code);
        Assert.Contains("No LLM is configured: set Agents:Provider", error, StringComparison.Ordinal);
        var issue = Assert.Single(github.Issues);
        Assert.StartsWith("Greet the user", issue.Value["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(github.CommentsOn(issue.Key), c => c.Body.Contains("Agents:Provider", StringComparison.Ordinal));
        github.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Start_incident_opens_one_incident_per_alert_of_a_file_joins_it_when_run_again_and_wait_shows_its_diagnosis()
    {
        using var github = new GitHubFake();
        using var workspaces = new TempDirectory("ghbot-cli-incident-");
        var chat = new RoleChatClient().OnJson("diagnoser", null, new
        {
            root_cause = "The disk of db-1 is full of old WAL segments",
            category = "capacity",
            evidence = new object[] { new { source = "alert", @ref = "service=db", detail = "db alerts" } },
            confidence = 0.7,
            suggested_fix = "Prune the WAL archive.",
            files = Array.Empty<string>(),
        }, new
        {
            root_cause = "Old WAL segments filled the disk of db-1",
            category = "capacity",
            evidence = new object[] { new { source = "alert", @ref = "service=db", detail = "db alerts" } },
            confidence = 0.6,
            suggested_fix = "Prune the WAL archive.",
            files = Array.Empty<string>(),
        });
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var services = TestWorkers.Services(temporal.Client, github, workspaces.Path, chat);
        using var worker = TestWorkers.Create(temporal.Client, taskQueue, services);
        var file = Path.Combine(workspaces.Path, "alert.json");
        var alertId = $"disk-full-{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(file, $$"""{"id":"{{alertId}}","severity":"critical","service":"db","message":"disk 98% full on db-1","logs":["ERROR no space left on device"]}""");
        string[] start = ["start", "incident", "--alert-file", file, "--agents", "2", "--auto-fix", "true", "--task-queue", taskQueue, "--address", temporal.Address];

        var (started, startOutput, startError) = await GhbotCli.RunAsync(start);
        var (again, againOutput, _) = await GhbotCli.RunAsync(start);
        Assert.True(started == 0, startError);
        Assert.Equal(0, again);
        var id = startOutput.Trim();
        Assert.Equal($"incident/generic/{alertId}", id);
        Assert.Equal(id, againOutput.Trim());

        var handle = temporal.Client.GetWorkflowHandle(id);
        var (code, output, progress) = await worker.ExecuteAsync(async () =>
        {
            var waiting = GhbotCli.RunAsync("wait", id, "--address", temporal.Address, "--timeout", "00:01:00");
            await WaitForAsync(async () => (await handle.QueryAsync<Core.IncidentSwarm.IncidentStatus>("Status", [])).Stage == "waiting for the alert to resolve");
            await handle.SignalAsync(Core.IncidentSwarm.IncidentSignals.Resolved, ["the on-call engineer"]);
            return await waiting;
        });

        Assert.Equal(0, code);
        Assert.Contains("\"Outcome\": \"diagnosed\"", output, StringComparison.Ordinal);
        Assert.Contains("\"Repeats\": 1", output, StringComparison.Ordinal);
        Assert.Contains("The disk of db-1 is full of old WAL segments", output, StringComparison.Ordinal);
        Assert.Contains($"\"AlertId\":\"{alertId}\"", progress, StringComparison.Ordinal);
        Assert.Contains("\"SupportingAgents\": [", output, StringComparison.Ordinal);
        Assert.Equal(2, chat.CallsTo("diagnoser").Count);
        Assert.Contains("ERROR no space left on device", chat.CallsTo("diagnoser")[0].Task, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"severity\":\"critical\"}", "id is required")]
    [InlineData("{\"id\":\"x\",\"status\":\"resolved\"}", "no firing alert")]
    [InlineData("{\"alerts\":7}", "alerts must be an array")]
    public async Task Start_incident_says_what_is_wrong_with_the_alert_file(string json, string reason)
    {
        using var directory = new TempDirectory("ghbot-cli-bad-alert-");
        var file = Path.Combine(directory.Path, "alert.json");
        await File.WriteAllTextAsync(file, json);

        var (code, _, error) = await GhbotCli.RunAsync("start", "incident", "--alert-file", file, "--address", "127.0.0.1:1");

        Assert.Equal(2, code);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Temporalio.Exceptions.WorkflowQueryFailedException)
            {
                // not yet queryable
            }

            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Start_migration_runs_a_recipe_only_migration_finds_it_when_run_again_and_wait_shows_its_report()
    {
        using var github = new GitHubFake();
        using var workspaces = new TempDirectory("ghbot-cli-migration-");
        var files = MigrationFixtures.Node();
        using var remote = await FixtureRepository.CreateAsync(files);
        var repo = $"mig-{Guid.NewGuid():N}"[..16];
        github.ExpectGate("octo", repo, 8, "ghs_cli").ExpectPlan("octo", repo, "ghs_cli", remote).RespondFile("octo", repo, ".github/ghbot.yml", files[".github/ghbot.yml"]);
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        using var services = TestWorkers.Services(temporal.Client, github, workspaces.Path);
        using var worker = TestWorkers.Create(temporal.Client, taskQueue, services);
        string[] start = ["start", "migration", "--repo", $"octo/{repo}", "--type", "greeter", "--from", "1.0.0", "--to", "1.1.0", "--installation", "8", "--task-queue", taskQueue, "--address", temporal.Address];

        var (started, startOutput, startError) = await GhbotCli.RunAsync(start);
        var (again, againOutput, _) = await GhbotCli.RunAsync(start);
        Assert.True(started == 0, startError);
        Assert.Equal(0, again);
        var id = startOutput.Trim();
        Assert.Equal($"migration/octo/{repo}/greeter/1.1.0", id);
        Assert.Equal(id, againOutput.Trim());
        var (code, output, error) = await worker.ExecuteAsync(() => GhbotCli.RunAsync("wait", id, "--address", temporal.Address, "--timeout", "00:03:00"));

        Assert.True(code == 0, error);
        var result = System.Text.Json.JsonDocument.Parse(output).RootElement;
        Assert.Equal("completed", result.GetProperty("Outcome").GetString());
        Assert.Equal(1, result.GetProperty("CompletedSteps").GetInt32());
        Assert.Contains("Migration report", result.GetProperty("Report").GetString(), StringComparison.Ordinal);
        Assert.Single(github.PullRequests);
    }

    [Theory]
    [InlineData("--repo", "octo", "--type", "react", "--from", "16", "--to", "18")]
    [InlineData("--repo", "octo/app", "--type", "react", "--from", "16;rm -rf /", "--to", "18")]
    [InlineData("--repo", "octo/app", "--type", "react", "--from", "16", "--to", "18", "--issue", "0")]
    public async Task Start_migration_refuses_bad_arguments_before_reaching_temporal(params string[] args)
    {
        var (code, _, error) = await GhbotCli.RunAsync(["start", "migration", .. args, "--address", "127.0.0.1:1"]);

        Assert.Equal(2, code);
        Assert.NotEmpty(error.Trim());
    }

    [Theory]
    [InlineData("--repo", "octo/app")]
    [InlineData("--repo", "octo", "--requirement", "x")]
    [InlineData("--repo", "octo/app", "--issue", "0")]
    public async Task Start_plan_patch_pr_needs_a_repository_and_a_requirement_or_an_issue(params string[] args)
    {
        var (code, _, error) = await GhbotCli.RunAsync(["start", "plan-patch-pr", .. args, "--address", "127.0.0.1:1"]);

        Assert.Equal(2, code);
        Assert.Contains("--", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--repo", "octo", "--pr", "4")]
    [InlineData("--repo", "octo/app", "--pr", "0")]
    [InlineData("--repo", "octo/app", "--pr", "4", "--required-score", "101")]
    public async Task Start_quality_gate_refuses_bad_arguments_before_reaching_temporal(params string[] args)
    {
        var (code, _, error) = await GhbotCli.RunAsync(["start", "quality-gate", .. args, "--address", "127.0.0.1:1"]);

        Assert.Equal(2, code);
        Assert.Contains("--", error, StringComparison.Ordinal);
    }

}

using System.Text.Json;
using GitHubBot.App.Cli;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;
using Spectre.Console.Testing;
using Temporalio.Api.Enums.V1;

namespace GitHubBot.App.Tests;

/// <summary>`ghbot list|status|wait --output`, list's server-side filters, and the commands' one-line errors, against a real Temporal server.</summary>
[Collection(TemporalCollection.Name)]
public sealed class OperatorCommandsOutputTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task List_returns_exactly_the_running_gates_of_one_repository_filtered_by_temporal()
    {
        var queue = TemporalServerFixture.NewTaskQueue(); // no worker: what is started stays running
        var a = $"octo/list-a-{Guid.NewGuid():N}"[..24];
        var b = $"octo/list-b-{Guid.NewGuid():N}"[..24];
        var gateA = await StartGateAsync(a, 4, queue);
        var stoppedGateA = await StartGateAsync(a, 5, queue);
        var planA = await StartAsync("start", "plan-patch-pr", "--repo", a, "--issue", "6", "--task-queue", queue, "--address", temporal.Address);
        var gateB = await StartGateAsync(b, 4, queue);
        await temporal.Client.GetWorkflowHandle(stoppedGateA).TerminateAsync("test");

        var terminated = await ListUntilAsync(1, "list", "--repo", a, "--status", "terminated", "--output", "json", "--address", temporal.Address);
        var everything = await ListUntilAsync(3, "list", "--repo", a, "--output", "json", "--address", temporal.Address);
        var running = await ListUntilAsync(1, "list", "--repo", a, "--type", "gate", "--status", "running", "--output", "json", "--address", temporal.Address);

        var gate = Assert.Single(running);
        Assert.Equal(gateA, gate.GetProperty("workflowId").GetString());
        Assert.Equal(a, gate.GetProperty("repository").GetString());
        Assert.Equal(4, gate.GetProperty("number").GetInt64());
        Assert.Equal("gate", gate.GetProperty("kind").GetString());
        Assert.Equal("running", gate.GetProperty("state").GetString());
        Assert.Equal(stoppedGateA, Assert.Single(terminated).GetProperty("workflowId").GetString());
        Assert.Equal(new[] { gateA, planA, stoppedGateA }.Order(StringComparer.Ordinal), everything.Select(e => e.GetProperty("workflowId").GetString()!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(everything, e => e.GetProperty("workflowId").GetString() == gateB);
    }

    [Fact]
    public void List_flags_become_one_visibility_query_with_values_quoted()
    {
        var (query, problem) = OperatorCommands.ListQuery("o'x/app", "gate", "running", "StartTime > '2025-01-01T00:00:00Z'");

        Assert.Null(problem);
        Assert.Equal(
            "GhbotRepository = 'o\\'x/app' AND WorkflowType = 'QualityGateWorkflow' AND ExecutionStatus = 'Running' AND (StartTime > '2025-01-01T00:00:00Z')",
            query);
        Assert.Equal("ExecutionStatus = 'TimedOut'", OperatorCommands.ListQuery(null, null, "timed_out", null).Query);
    }

    [Fact]
    public async Task List_and_status_as_tables_show_their_columns_and_fields()
    {
        var queue = TemporalServerFixture.NewTaskQueue();
        var repo = $"octo/table-{Guid.NewGuid():N}"[..24];
        var id = await StartGateAsync(repo, 7, queue);
        await ListUntilAsync(1, "list", "--repo", repo, "--output", "json", "--address", temporal.Address);

        var (listed, table, _) = await GhbotCli.RunAsync("list", "--repo", repo, "--output", "table", "--address", temporal.Address);
        var (status, fields, _) = await GhbotCli.RunAsync("status", id, "--output", "table", "--address", temporal.Address);

        Assert.Equal(0, listed);
        foreach (var column in new[] { "started", "state", "kind", "repository", "#", "workflow id" })
        {
            Assert.Contains(column, table, StringComparison.Ordinal);
        }

        var row = Assert.Single(table.Split('\n'), line => line.Contains(id, StringComparison.Ordinal));
        Assert.Contains("running", row, StringComparison.Ordinal);
        Assert.Contains(repo, row, StringComparison.Ordinal);
        Assert.Contains(" 7 ", row, StringComparison.Ordinal);
        Assert.Equal(0, status);
        Assert.Contains("QualityGateWorkflow", fields, StringComparison.Ordinal);
        Assert.Contains(queue, fields, StringComparison.Ordinal);
        Assert.Matches(@"state\s*│\s*running", fields);
        Assert.DoesNotContain("{", fields, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_on_a_workflow_that_did_not_complete_prints_no_result_says_why_and_exits_1()
    {
        var queue = TemporalServerFixture.NewTaskQueue();
        var id = await StartGateAsync($"octo/wait-{Guid.NewGuid():N}"[..24], 3, queue);
        await temporal.Client.GetWorkflowHandle(id).TerminateAsync("stopped by the test");

        var (code, output, error) = await GhbotCli.RunAsync("wait", id, "--output", "json", "--address", temporal.Address);

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains($"{id} did not complete", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_on_a_terminal_draws_live_progress_and_plain_lines_otherwise()
    {
        var finished = new TaskCompletionSource();
        var polls = 0;
        Task<JsonElement?> PollAsync()
        {
            if (++polls == 2)
            {
                finished.SetResult();
            }

            return Task.FromResult<JsonElement?>(JsonDocument.Parse("""{"Stage":"running checks","ChecksDone":2,"ChecksTotal":3}""").RootElement);
        }

        var console = new TestConsole().Interactive().Width(120);
        await ProgressDisplay.LiveAsync(console, "gate/octo/app/7/abc", finished.Task, PollAsync, TimeSpan.FromMilliseconds(10));
        using var lines = new StringWriter();
        await ProgressDisplay.LinesAsync(lines, Task.CompletedTask, PollAsync, TimeSpan.FromMilliseconds(10));
        var notYet = new TaskCompletionSource();
        var plain = ProgressDisplay.LinesAsync(lines, notYet.Task, PollAsync, TimeSpan.FromMilliseconds(10));
        await Task.Delay(100);
        notYet.SetResult();
        await plain;

        Assert.Contains("gate/octo/app/7/abc: running checks (2/3)", console.Output, StringComparison.Ordinal);
        Assert.True(console.Output.Contains("66%", StringComparison.Ordinal), console.Output);
        var line = Assert.Single(lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches("""^\d\d:\d\d:\d\d \{"Stage":"running checks","ChecksDone":2,"ChecksTotal":3\}""", line);
    }

    [Theory]
    [InlineData("--output must be json or table, not 'xml'", "list", "--output", "xml")]
    [InlineData("--output must be json or table, not 'yaml'", "status", "gate/x/y/1/z", "--output", "yaml")]
    [InlineData("--output must be json or table, not 'csv'", "wait", "gate/x/y/1/z", "--output", "csv")]
    [InlineData("--status must be one of running, completed, failed, cancelled, terminated, timed_out, not 'sleeping'", "list", "--status", "sleeping")]
    [InlineData("--type must be one of gate, plan, incident, migration, change, command, redelivery, not 'build'", "list", "--type", "build")]
    [InlineData("--repo must be owner/name, not 'octo'", "list", "--repo", "octo")]
    [InlineData("--timeout must be longer than zero, not -00:00:01", "wait", "gate/x/y/1/z", "--timeout", "-00:00:01")]
    public async Task A_bad_argument_is_named_in_one_line_with_exit_code_2(string message, params string[] args)
    {
        var (code, output, error) = await GhbotCli.RunAsync([.. args, "--address", "127.0.0.1:1"]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal(message, error.Trim().TrimEnd('.'), StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("status", "gate/x/y/1/z")]
    [InlineData("wait", "gate/x/y/1/z")]
    [InlineData("list")]
    public async Task An_unreachable_temporal_is_one_line_naming_the_address_and_the_setting_with_exit_code_2(params string[] args)
    {
        var (code, _, error) = await GhbotCli.RunAsync([.. args, "--address", "127.0.0.1:1"]);

        Assert.Equal(2, code);
        Assert.StartsWith("Temporal is not reachable at 127.0.0.1:1 (--address, else Temporal:Address):", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("wait")]
    public async Task A_missing_workflow_is_one_line_with_exit_code_1(string command)
    {
        var id = $"gate/none/none/1/{Guid.NewGuid():N}";

        var (code, output, error) = await GhbotCli.RunAsync(command, id, "--address", temporal.Address);

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal($"No workflow with ID {id}.", error.Trim());
    }

    [Fact]
    public async Task On_a_cluster_without_the_search_attributes_start_goes_on_with_a_warning_and_list_repo_names_the_fix()
    {
        await using var bare = await TemporalServerFixture.StartLocalAsync(new() { DevServerOptions = new() { ExistingPath = TemporalServerFixture.CliPath(), LogLevel = "error" } });
        var address = bare.Client.Connection.Options.TargetHost!;

        var (started, id, startError) = await GhbotCli.RunAsync("start", "plan-patch-pr", "--repo", "octo/bare", "--issue", "3", "--task-queue", TemporalServerFixture.NewTaskQueue(), "--address", address);
        var (listed, _, listError) = await GhbotCli.RunAsync("list", "--repo", "octo/bare", "--address", address);

        Assert.Equal(0, started);
        Assert.Equal("plan/octo/bare/3", id.Trim());
        Assert.Contains("Temporal:SearchAttributes=false", startError, StringComparison.Ordinal);
        Assert.Equal(WorkflowExecutionStatus.Running, (await bare.Client.GetWorkflowHandle(id.Trim()).DescribeAsync()).Status);
        Assert.Equal(2, listed);
        Assert.Contains("GhbotRepository (Keyword)", listError, StringComparison.Ordinal);
        Assert.Single(listError.Trim().Split('\n'));
    }

    private async Task<string> StartGateAsync(string repo, int pr, string queue) =>
        await StartAsync("start", "quality-gate", "--repo", repo, "--pr", pr.ToString(System.Globalization.CultureInfo.InvariantCulture), "--installation", "8", "--task-queue", queue, "--address", temporal.Address);

    private static async Task<string> StartAsync(params string[] args)
    {
        var (code, output, error) = await GhbotCli.RunAsync(args);
        Assert.True(code == 0, error);
        return output.Trim();
    }

    /// <summary>list's JSON once it holds <paramref name="count"/> workflows (visibility follows a start closely, not at once).</summary>
    private static async Task<List<JsonElement>> ListUntilAsync(int count, params string[] args)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (code, output, error) = await GhbotCli.RunAsync(args);
            Assert.True(code == 0, error);
            var rows = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
            if (rows.Count >= count || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(200);
        }
    }

}

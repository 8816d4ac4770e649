using System.Globalization;
using GitHubBot.App.Cli;
using GitHubBot.App.Hosting;
using GitHubBot.Core.Common;
using GitHubBot.Testing;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Configuration;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace GitHubBot.App.Tests;

/// <summary>
/// The redelivery sweeper's Temporal Schedule as serve and worker make it at start-up: there after a start with the
/// configured interval, changed by a restart with another, deleted by Redelivery:Enabled=false; a bad setting stops
/// the process in one line naming it.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class RedeliveryScheduleTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_worker_makes_the_schedule_a_restart_changes_its_interval_and_Enabled_false_deletes_it()
    {
        using var github = new GitHubFake();
        using var dataDir = new TempDirectory("ghbot-redelivery-schedule-");
        var taskQueue = TemporalServerFixture.NewTaskQueue();
        var handle = temporal.Client.GetScheduleHandle(WorkflowIds.RedeliverySweep(taskQueue));

        await RunWorkerWhileAsync(github, dataDir.Path, taskQueue, "--Redelivery:Interval=00:07:00", async () =>
        {
            var description = await DescribeWhenAsync(handle, s => s.Spec.Intervals.Count > 0);
            var schedule = description.Schedule;
            Assert.Equal(TimeSpan.FromMinutes(7), Assert.Single(schedule.Spec.Intervals).Every);

            // The first sweep comes an interval after the schedule is made, not as a process starts.
            Assert.True(description.Info.NextActionTimes.First() > DateTime.UtcNow.AddMinutes(6), $"next sweep at {description.Info.NextActionTimes.First():O}");
            Assert.Equal(ScheduleOverlapPolicy.Skip, schedule.Policy.Overlap);
            var action = Assert.IsType<ScheduleActionStartWorkflow>(schedule.Action);
            Assert.Equal(WorkflowTypes.RedeliverySweep, action.Workflow);
            Assert.Equal(WorkflowIds.RedeliverySweep(taskQueue), action.Options.Id);
            Assert.Equal(taskQueue, action.Options.TaskQueue);
            Assert.True(action.Options.TypedSearchAttributes!.TryGetValue(GhbotSearchAttributes.Kind, out var kind));
            Assert.Equal(WorkflowKinds.Redelivery, kind);

            // A run of the schedule (triggered now) is a sweep on this worker, under the schedule's ID, as the App.
            var failed = github.AddDelivery("from-the-schedule", DateTimeOffset.UtcNow.AddHours(-1), 502);
            github.ServeDeliveries().ServeRedeliveries();
            await handle.TriggerAsync();
            while (!github.RedeliveryRequests.Any(r => r.DeliveryId == failed))
            {
                await Task.Delay(200);
            }

            var run = Assert.IsType<ScheduleActionExecutionStartWorkflow>(Assert.Single((await handle.DescribeAsync()).Info.RecentActions).Action);
            Assert.StartsWith(WorkflowIds.RedeliverySweep(taskQueue), run.WorkflowId, StringComparison.Ordinal);
            Assert.Empty(github.JwtProblems);
        });

        await RunWorkerWhileAsync(github, dataDir.Path, taskQueue, "--Redelivery:Interval=00:09:00", async () =>
            await DescribeWhenAsync(handle, s => s.Spec.Intervals.Single().Every == TimeSpan.FromMinutes(9)));

        await RunWorkerWhileAsync(github, dataDir.Path, taskQueue, "--Redelivery:Enabled=false", async () =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    await handle.DescribeAsync();
                }
                catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, "the schedule was not deleted");
                await Task.Delay(200);
            }
        });
    }

    [Fact]
    public async Task Serve_makes_the_schedule_with_the_configured_interval()
    {
        using var github = new GitHubFake();
        using var dataDir = new TempDirectory("ghbot-redelivery-serve-");
        var temporalPort = TestPorts.Free();
        using var serve = await ServeProcess.StartAsync(dataDir.Path, temporalPort, github, new Dictionary<string, string> { ["Redelivery__Interval"] = "00:06:00" });
        var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));

        var description = await DescribeWhenAsync(client.GetScheduleHandle(WorkflowIds.RedeliverySweep("ghbot")), s => s.Spec.Intervals.Count > 0);

        Assert.Equal(TimeSpan.FromMinutes(6), Assert.Single(description.Schedule.Spec.Intervals).Every);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Theory]
    [InlineData("soon", "Redelivery:Interval")]
    [InlineData("00:00:10", "Redelivery:Interval must be a time span from 00:01:00 to 1.00:00:00, e.g. 00:05:00.")]
    public async Task A_bad_interval_stops_worker_and_serve_in_one_line_naming_it_with_exit_code_2(string interval, string said)
    {
        using var empty = new TempDirectory("ghbot-redelivery-bad-");
        var environment = new Dictionary<string, string>
        {
            ["Redelivery__Interval"] = interval,
            ["Gate__Sandbox"] = "off",
            ["DataDir"] = empty.Path,
            ["Temporal__Address"] = "127.0.0.1:1",
        };
        foreach (var command in new[] { "worker", "serve" })
        {
            var (exitCode, error) = await GhbotProcess.RunToExitAsync([command], environment, TimeSpan.FromSeconds(60));
            Assert.True(exitCode == 2, $"{command} exited {exitCode}: {error}");
            Assert.Contains(said, error, StringComparison.Ordinal);
            Assert.Single(error.Trim().Split('\n'));
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Redelivery:Window", "Window", "3.00:00:01")]
    [InlineData("Redelivery:Window", "Window", "00:05:00")]
    [InlineData("Redelivery:Interval", "Interval", "1.00:00:01")]
    [InlineData("Redelivery:MaxPerSweep", "MaxPerSweep", "0")]
    [InlineData("Redelivery:MaxPerSweep", "MaxPerSweep", "1001")]
    [InlineData("Redelivery:MaxPages", "MaxPages", "0")]
    [InlineData("Redelivery:PauseBetweenRequests", "PauseBetweenRequests", "-00:00:01")]
    public void A_setting_out_of_bounds_is_named(string named, string key, string value)
    {
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"Redelivery:{key}"] = value }).Build()
            .GetSection("Redelivery").Get<RedeliverySettings>()!;

        Assert.StartsWith(named, settings.Problem(), StringComparison.Ordinal);
        Assert.Null(new RedeliverySettings().Problem());
    }

    [Fact]
    public void Ghbot_list_type_redelivery_lists_the_sweepers_runs()
    {
        var (query, problem) = OperatorCommands.ListQuery(null, "redelivery", null, null);
        Assert.Null(problem);
        Assert.Equal("WorkflowType = 'RedeliverySweepWorkflow'", query);
    }

    /// <summary>Runs `ghbot worker` acting as <paramref name="github"/>'s App with <paramref name="setting"/> until <paramref name="check"/> is done, then stops it (exit 0).</summary>
    private async Task RunWorkerWhileAsync(GitHubFake github, string dataDir, string taskQueue, string setting, Func<Task> check)
    {
        using var stop = new CancellationTokenSource();
        var worker = GhbotCommandLine.RunAsync(
        [
            "worker", "--host", temporal.Address, "--namespace", "default", "--task-queue", taskQueue,
            $"--GitHub:AppId={github.AppId.ToString(CultureInfo.InvariantCulture)}",
            $"--GitHub:PrivateKey={github.PrivateKeyPem.Replace("\n", "\\n", StringComparison.Ordinal)}",
            $"--GitHub:ApiBaseUrl={github.ApiBaseUrl}",
            $"--DataDir={dataDir}",
            "--Gate:Sandbox=off",
            setting,
        ], stop.Token);
        try
        {
            await check().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.False(worker.IsCompleted, $"ghbot worker exited early with {(worker.IsCompleted ? await worker : 0)}");
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>The schedule's description once <paramref name="done"/> holds (it is made in the background of a start).</summary>
    private static async Task<ScheduleDescription> DescribeWhenAsync(ScheduleHandle handle, Func<Schedule, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            try
            {
                var description = await handle.DescribeAsync();
                if (done(description.Schedule))
                {
                    return description;
                }
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                // Not made yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"the schedule {handle.Id} did not become what was expected");
            await Task.Delay(200);
        }
    }
}

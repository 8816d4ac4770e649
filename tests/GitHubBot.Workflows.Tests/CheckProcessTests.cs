using System.Diagnostics;
using GitHubBot.Testing;
using GitHubBot.Workflows.Workspaces;

namespace GitHubBot.Workflows.Tests;

public sealed class CheckProcessTests : IDisposable
{
    private readonly TempDirectory temp = new("ghbot-check-");

    private string dir => temp.Path;

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_command_runs_in_the_checkout_and_reports_its_exit_code_and_output()
    {
        await File.WriteAllTextAsync(Path.Combine(dir, "marker.txt"), "here");

        var run = await CheckProcess.RunAsync("cat marker.txt; echo oops >&2; exit 3", dir, TimeSpan.FromSeconds(30));

        Assert.Equal(3, run.ExitCode);
        Assert.False(run.TimedOut);
        Assert.Contains("here", run.Output, StringComparison.Ordinal);
        Assert.Contains("oops", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_does_not_see_the_workers_secrets_only_what_it_is_given()
    {
        Environment.SetEnvironmentVariable("GHBOT_TEST_WORKER_SECRET", "do-not-leak");

        var run = await CheckProcess.RunAsync(
            "echo secret=${GHBOT_TEST_WORKER_SECRET:-absent} given=$GIVEN path=${PATH:+set}",
            dir,
            TimeSpan.FromSeconds(30),
            new Dictionary<string, string?> { ["GIVEN"] = "yes" });

        Assert.Contains("secret=absent given=yes path=set", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_past_its_timeout_is_killed_with_every_process_it_started()
    {
        var tag = $"ghbot-sleeper-{Guid.NewGuid():N}";
        var script = Path.Combine(dir, $"{tag}.sh");
        await File.WriteAllTextAsync(script, "sleep 60\n");

        var run = await CheckProcess.RunAsync($"sh {script} & sh {script} & wait", dir, TimeSpan.FromSeconds(1));

        Assert.True(run.TimedOut);
        Assert.Equal(-1, run.ExitCode);
        Assert.InRange(run.Duration, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        Assert.Contains("killed after", run.Output, StringComparison.Ordinal);
        await AssertNoProcessAsync(tag);
    }

    [Fact]
    public async Task Cancelling_the_check_kills_it_and_says_so()
    {
        var tag = $"ghbot-cancelled-{Guid.NewGuid():N}";
        var script = Path.Combine(dir, $"{tag}.sh");
        await File.WriteAllTextAsync(script, "sleep 60\n");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CheckProcess.RunAsync($"sh {script}", dir, TimeSpan.FromMinutes(5), cancellationToken: cancel.Token));

        await AssertNoProcessAsync(tag);
    }

    [Fact]
    public async Task Output_is_capped_to_its_last_characters()
    {
        var run = await CheckProcess.RunAsync("i=0; while [ $i -lt 5000 ]; do echo line-$i; i=$((i+1)); done", dir, TimeSpan.FromSeconds(30), outputCap: 1000);

        Assert.True(run.OutputTruncated);
        Assert.True(run.Output.Length < 1100, $"{run.Output.Length} characters kept");
        Assert.StartsWith("[GitHubBot] earlier output dropped", run.Output, StringComparison.Ordinal);
        Assert.EndsWith("line-4999\n", run.Output, StringComparison.Ordinal);
    }

    private static async Task AssertNoProcessAsync(string tag)
    {
        // Give the kernel a moment to reap the killed tree, then look for anything still carrying the tag.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", tag]) { RedirectStandardOutput = true })!;
            var found = await pgrep.StandardOutput.ReadToEndAsync();
            await pgrep.WaitForExitAsync();
            if (string.IsNullOrWhiteSpace(found))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"processes tagged {tag} are still running");
    }
}

using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Testing;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.Logging.Abstractions;
using Temporalio.Testing;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// The gate's work on code, one activity at a time (ActivityEnvironment, no server): what a check may read is
/// confined to its own worktree, and a report it points elsewhere is refused.
/// </summary>
public sealed class GateActivitiesTests : IDisposable
{
    private readonly TempDirectory workspaces = new("ghbot-activities-");
    private readonly TempDirectory outside = new("ghbot-outside-");
    private readonly GitHubFake github = new();
    private readonly GitHubBot.Workflows.GitHub.GitHubClients clients;
    private readonly GateActivities activities;

    public GateActivitiesTests()
    {
        clients = TestApp.Clients(github);
        activities = new GateActivities(clients, new WorkspaceOptions(workspaces.Path), new Agents.AgentModel(null), NullLogger<GateActivities>.Instance);
    }

    public void Dispose()
    {
        clients.Dispose();
        github.Dispose();
        workspaces.Dispose();
        outside.Dispose();
    }

    [Theory]
    [InlineData("../../../../**/secret-junit.xml")]
    [InlineData("/tmp/**/secret-junit.xml")]
    public async Task A_report_path_outside_the_worktree_reads_nothing(string reportPath)
    {
        await File.WriteAllTextAsync(Path.Combine(outside.Path, "secret-junit.xml"), PassingJunit);
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await repo.HeadOfAsync("main");

        var result = await RunAsync(repo, sha, new CheckConfig("unit_tests", "true", null, TimeSpan.FromSeconds(30), 1, true, ReportFormat.JUnit, reportPath, false));

        Assert.Equal(CheckState.Failed, result.State);
        Assert.Contains("wrote no JUnit report", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_that_is_a_symlink_is_not_followed()
    {
        var secret = Path.Combine(outside.Path, "secret-junit.xml");
        await File.WriteAllTextAsync(secret, PassingJunit);
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await repo.HeadOfAsync("main");

        var result = await RunAsync(repo, sha, new CheckConfig("unit_tests", $"mkdir -p out && ln -s {secret} out/junit.xml", null, TimeSpan.FromSeconds(30), 1, true, ReportFormat.JUnit, "out/*.xml", false));

        // A link is never followed: the report search does not even enter it.
        Assert.Equal(CheckState.Failed, result.State);
        Assert.Contains("wrote no JUnit report", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_committed_in_the_repository_is_removed_before_the_check_runs()
    {
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["out/junit.xml"] = PassingJunit });
        var sha = await repo.HeadOfAsync("main");

        var result = await RunAsync(repo, sha, new CheckConfig("unit_tests", "echo forgot to write the report", null, TimeSpan.FromSeconds(30), 1, true, ReportFormat.JUnit, "out/junit.xml", false));

        Assert.Equal(CheckState.Failed, result.State);
        Assert.Contains("forgot to write the report", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checks_do_not_see_each_others_files_and_the_workspace_is_removed_afterwards()
    {
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await repo.HeadOfAsync("main");
        var workspace = new WorkspaceRef("run-isolation", new RepositoryTarget("o", "r", 1), repo.CloneUrl, sha);

        var first = await new ActivityEnvironment().RunAsync(() => activities.RunCheckAsync(new RunCheckRequest(workspace,
            new CheckConfig("linting", "echo leftover > build.out", null, TimeSpan.FromSeconds(30), 1, false, ReportFormat.ExitCode, null, false))));
        var second = await new ActivityEnvironment().RunAsync(() => activities.RunCheckAsync(new RunCheckRequest(workspace,
            new CheckConfig("unit_tests", "test ! -e build.out", null, TimeSpan.FromSeconds(30), 1, false, ReportFormat.ExitCode, null, false))));
        await new ActivityEnvironment().RunAsync(() => activities.RemoveWorkspaceAsync(workspace.Key));

        Assert.Equal((CheckState.Passed, CheckState.Passed), (first.State, second.State));
        Assert.True(WorkspaceRoot.AreEmpty(workspaces.Path));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task A_workspace_key_that_is_not_a_plain_name_is_refused(string key)
    {
        var ex = await Assert.ThrowsAsync<Temporalio.Exceptions.ApplicationFailureException>(() => new ActivityEnvironment().RunAsync(() => activities.RemoveWorkspaceAsync(key)));

        Assert.Equal("InvalidRequest", ex.ErrorType);
    }

    [Theory]
    [InlineData("https://evil.example/octo/app.git")]
    [InlineData("http://github.com/octo/app.git")]
    public async Task No_token_is_fetched_for_a_clone_url_off_githubs_git_host(string cloneUrl)
    {
        var workspace = new WorkspaceRef("run-offhost", new RepositoryTarget("o", "r", 1), cloneUrl, new string('a', 40));

        var ex = await Assert.ThrowsAsync<Temporalio.Exceptions.ApplicationFailureException>(() => new ActivityEnvironment().RunAsync(() => activities.RunCheckAsync(new RunCheckRequest(workspace,
            new CheckConfig("unit_tests", "true", null, TimeSpan.FromSeconds(30), 1, true, ReportFormat.ExitCode, null, false)))));

        Assert.Equal("InvalidRequest", ex.ErrorType);
        Assert.Empty(github.Requests);
    }

    [Fact]
    public async Task A_link_loop_in_the_report_folder_is_never_walked_into()
    {
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await repo.HeadOfAsync("main");
        var check = new CheckConfig(
            "coverage",
            $"mkdir -p out/cov && ln -s .. out/cov/a && ln -s .. out/cov/b && ln -s .. out/cov/c && ln -s / out/cov/root",
            null,
            TimeSpan.FromSeconds(30),
            1,
            false,
            ReportFormat.Cobertura,
            "out/cov/**/coverage.cobertura.xml",
            false);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await RunAsync(repo, sha, check);

        Assert.Equal(CheckState.Failed, result.State);
        Assert.Contains("wrote no Cobertura report", result.Summary, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Fix_commands_that_change_files_github_bot_leaves_to_people_are_not_pushed()
    {
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["style.txt"] = "messy\n" });
        var sha = await repo.HeadOfAsync("main");
        var workspace = new WorkspaceRef($"run-{Guid.NewGuid():N}"[..20], new RepositoryTarget("o", "r", 1), repo.CloneUrl, sha);
        github.ExpectApp();
        var fix = new FixCommand("linting", "echo formatted > style.txt && mkdir -p .github && echo 'quality_gate: {required_score: 0}' > .github/ghbot.yml", TimeSpan.FromSeconds(30));

        var result = await new ActivityEnvironment().RunAsync(() => activities.ApplyFixesAsync(new ApplyFixesRequest(workspace, [fix], Push: true, "main")));

        Assert.Equal(["linting"], result.Applied);
        Assert.Null(result.PushedSha);
        Assert.Contains("changed `.github/ghbot.yml`, which GitHubBot does not push", result.PushError, StringComparison.Ordinal);
        Assert.Equal(sha, await repo.HeadOfAsync("main"));
        await activities.RemoveWorkspaceAsync(workspace.Key);
    }

    [Fact]
    public async Task A_diff_padded_past_what_the_secret_scan_reads_fails_the_scan_instead_of_hiding_a_key()
    {
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var baseSha = await repo.HeadOfAsync("main");
        var padding = string.Concat(Enumerable.Repeat("filler\n", GateActivities.MaxDiffLines + 10));
        var sha = await repo.CommitAsync("feature", new Dictionary<string, string> { ["padding.txt"] = padding, ["zz/token.txt"] = "token = \"ghp_" + new string('a', 36) + "\"\n" });
        var workspace = new WorkspaceRef($"run-{Guid.NewGuid():N}"[..20], new RepositoryTarget("o", "r", 1), repo.CloneUrl, sha) { BaseSha = baseSha };
        var scan = new CheckConfig("security_scan", CheckConfig.SecretScan, null, TimeSpan.FromSeconds(30), 2, true, ReportFormat.ExitCode, null, true);

        var result = await new ActivityEnvironment().RunAsync(() => activities.RunCheckAsync(new RunCheckRequest(workspace, scan)));

        Assert.Equal(CheckState.Failed, result.State);
        Assert.Contains("larger than the scan reads", result.Summary, StringComparison.Ordinal);
        await activities.RemoveWorkspaceAsync(workspace.Key);
    }

    [Fact]
    public async Task The_workers_own_paths_never_leave_it_in_a_checks_summary()
    {
        using var repo = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await repo.HeadOfAsync("main");

        var result = await RunAsync(repo, sha, new CheckConfig("unit_tests", "echo \"failed at $(pwd)/src/calc.py:3\"; exit 1", null, TimeSpan.FromSeconds(30), 1, true, ReportFormat.ExitCode, null, false));

        Assert.Contains("failed at ./src/calc.py:3", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(workspaces.Path, result.Summary, StringComparison.Ordinal);
    }

    private const string PassingJunit = """<testsuite><testcase classname="c" name="passes"/></testsuite>""";

    private Task<CheckRunResult> RunAsync(FixtureRepository repo, string sha, CheckConfig check) =>
        new ActivityEnvironment().RunAsync(() => activities.RunCheckAsync(new RunCheckRequest(
            new WorkspaceRef($"run-{Guid.NewGuid():N}"[..20], new RepositoryTarget("o", "r", 1), repo.CloneUrl, sha), check)));
}

public sealed class WorkspaceSweeperTests
{
    [Fact]
    public async Task Workspaces_untouched_for_half_a_day_are_removed_and_recent_ones_kept()
    {
        using var root = new TempDirectory("ghbot-sweep-");
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var abandoned = Directory.CreateDirectory(Path.Combine(root.Path, "abandoned-run"));
        File.WriteAllText(Path.Combine(abandoned.FullName, "checkout.done"), "x");
        abandoned.LastWriteTimeUtc = time.GetUtcNow().UtcDateTime - TimeSpan.FromHours(13);
        var running = Directory.CreateDirectory(Path.Combine(root.Path, "running-run"));
        var sweeper = new WorkspaceSweeper(new WorkspaceOptions(root.Path), time, NullLogger<WorkspaceSweeper>.Instance);

        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(root.Path, ".worker")).FullName, "abandoned-run.ready"), "sha");
        var idleSnapshot = Directory.CreateDirectory(Path.Combine(root.Path, ".worker", "snapshots", "idle.git"));
        idleSnapshot.LastWriteTimeUtc = time.GetUtcNow().UtcDateTime - TimeSpan.FromHours(13);
        var usedSnapshot = Directory.CreateDirectory(Path.Combine(root.Path, ".worker", "snapshots", "used.git"));

        Assert.Equal(2, await sweeper.SweepAsync());

        Assert.False(Directory.Exists(idleSnapshot.FullName));
        Assert.True(Directory.Exists(usedSnapshot.FullName));

        Assert.False(abandoned.Exists && Directory.Exists(abandoned.FullName));
        Assert.True(Directory.Exists(running.FullName));
        Assert.False(File.Exists(Path.Combine(root.Path, ".worker", "abandoned-run.ready")));
        Assert.Equal(0, await new WorkspaceSweeper(new WorkspaceOptions(Path.Combine(root.Path, "missing")), time, NullLogger<WorkspaceSweeper>.Instance).SweepAsync());
    }
}

public sealed class CheckUsersTests
{
    [Fact]
    public void Each_live_workspace_gets_a_user_id_no_other_has_and_gives_it_back_when_removed()
    {
        using var worker = new TempDirectory("ghbot-uids-");
        var users = new CheckUsers(worker.Path, "/workspaces", 240000, 240001);

        var first = users.Acquire("run-a");
        var second = users.Acquire("run-b");

        Assert.NotEqual(first.Uid, second.Uid);
        Assert.Equal(first, users.Acquire("run-a"));
        Assert.Equal(first, new CheckUsers(worker.Path, "/workspaces", 240000, 240001).Find("run-a"));
        Assert.Equal("/workspaces/run-a/home", first.Home);
        Assert.Contains("in use", Assert.Throws<InvalidOperationException>(() => users.Acquire("run-c")).Message, StringComparison.Ordinal);

        users.Release("run-a");

        Assert.Null(users.Find("run-a"));
        Assert.Equal(first.Uid, users.Acquire("run-c").Uid);
        Assert.Equal(["run-b", "run-c"], users.Held().Select(h => h.Key).Order());
    }
}

using CliWrap;
using CliWrap.Buffered;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// The gate on repositories without <c>.github/ghbot.yml</c>, with the real toolchains: all eight kinds detected and
/// run (Node's test runner and ESLint, pytest/flake8/pylint, the .NET SDK), their reports parsed, changed-line
/// coverage, the built-in secret scan, checks the worker cannot run reported neutral; and agents that fix what the
/// tools cannot, each fix re-checked before it is pushed.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class GateEightChecksTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_node_pr_without_configuration_gets_all_eight_checks_changed_line_coverage_a_neutral_dependency_check_and_its_planted_key_annotated()
    {
        await RequireToolsAsync("node", "npm", "NODE_PATH=/usr/share/nodejs eslint");
        using var rig = await GateRig.CreateAsync(temporal.Client, Merge(GateFixtures.Node(), GateFixtures.NodeOfflineRegistry()));
        var baseSha = await rig.Repository.HeadOfAsync("main");
        var sha = await rig.Repository.CommitAsync("feature", Merge(GateFixtures.NodeUncoveredChange(), GateFixtures.SecretChange()));
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha) with { BaseSha = baseSha })).GetResultAsync());

        var checks = result.Checks.ToDictionary(c => c.Name);
        Assert.Equal(Core.Config.CheckConfig.Names.Order(), checks.Keys.Order());
        Assert.All(["unit_tests", "integration_tests", "linting", "static_analysis", "performance"], name => Assert.True(checks[name].Passed, $"{name}: {checks[name].Summary}"));
        Assert.Contains("passed, 0 failed", checks["unit_tests"].Summary, StringComparison.Ordinal);

        // Coverage: all tests pass, but few of the lines this PR added ever run.
        var coverage = checks["coverage"];
        Assert.False(coverage.Passed);
        Assert.NotNull(coverage.ChangedLines);
        Assert.True(coverage.ChangedLines.Percent < 50, $"changed-line coverage {coverage.ChangedLines.Percent}");
        Assert.Contains(coverage.ChangedLines.Uncovered, s => s.Path == GateFixtures.NodeUncoveredFile);
        Assert.Contains(result.BlockingIssues, b => b.StartsWith("Coverage of the changed lines is", StringComparison.Ordinal));

        // The registry cannot be reached: neutral with the reason, neither a pass nor a failure.
        Assert.True(checks["dependency_check"].Neutral);
        Assert.Contains("ECONNREFUSED", checks["dependency_check"].Summary, StringComparison.Ordinal);

        // The planted key: a failing required check, an annotation on its line, the key itself never repeated.
        Assert.False(checks["security_scan"].Passed);
        var created = rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).ToDictionary(c => (string)c["name"]!);
        var scan = created["GitHubBot / security scan"];
        Assert.Equal("failure", (string?)scan["conclusion"]);
        var annotation = Assert.Single(scan["output"]!["annotations"]!.AsArray())!;
        Assert.Equal((GateFixtures.SecretPath, GateFixtures.SecretLine, "failure"), ((string?)annotation["path"], (int)annotation["start_line"]!, (string?)annotation["annotation_level"]));
        Assert.Contains("AWS", (string?)annotation["title"], StringComparison.Ordinal);
        Assert.DoesNotContain(GateFixtures.SecretValue, scan.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("neutral", (string?)created["GitHubBot / dependency check"]["conclusion"]);
        Assert.Equal("failure", (string?)created["GitHubBot / coverage"]["conclusion"]);

        // The comment shows every kind, the changed-line coverage, and what an LLM would fix.
        var comment = Assert.Single(rig.GitHub.CommentsOn(7)).Body;
        Assert.DoesNotContain("skipped", comment, StringComparison.Ordinal);
        Assert.Contains("| dependency check | ⚪ neutral — The registry could not be reached", comment, StringComparison.Ordinal);
        Assert.Contains("changed lines covered", comment, StringComparison.Ordinal);
        Assert.Contains("**Fixes available with an LLM configured**", comment, StringComparison.Ordinal);
        Assert.True(rig.WorkspacesEmpty);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Low_changed_line_coverage_gets_tests_from_a_tester_agent_and_the_pushed_fix_passes_its_re_check()
    {
        await RequireToolsAsync("node", "npm", "NODE_PATH=/usr/share/nodejs eslint");
        using var rig = await GateRig.CreateAsync(temporal.Client, GateFixtures.Node());
        var baseSha = await rig.Repository.HeadOfAsync("main");
        var sha = await rig.Repository.CommitAsync("feature", GateFixtures.NodeUncoveredChange());
        var test = GateFixtures.NodeCoveringTest().Single();
        var chat = new RoleChatClient().OnJson("tester", null, Edits("Tests every branch of shippingCost.", new { path = test.Key, content = test.Value }));
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(sha) with { BaseSha = baseSha, AttemptAutoFix = true });
            var done = await handle.GetResultAsync();
            if (ReplayTests.HistoryVersion("quality-gate") is { } version)
            {
                await ReplayTests.WriteHistoryAsync($"quality-gate-{version}-agent-fixes", await handle.FetchHistoryAsync());
            }

            return done;
        });

        // The tester was told which changed lines no test runs.
        var asked = Assert.Single(chat.CallsTo("tester"));
        Assert.Contains($"`{GateFixtures.NodeUncoveredFile}` lines", asked.Task, StringComparison.Ordinal);

        // One commit by the App, tests only, naming what it covers; its own gate passes with the changed lines covered.
        Assert.NotNull(result.FixedSha);
        Assert.Equal(result.FixedSha, await rig.Repository.HeadOfAsync("feature"));
        Assert.Equal($"{test.Key}\n", await rig.Repository.RemoteGitAsync("diff", "--name-only", sha, result.FixedSha));
        var message = await rig.Repository.RemoteGitAsync("log", "-1", "--format=%B", result.FixedSha);
        Assert.StartsWith("GitHubBot: apply fixes (coverage)", message, StringComparison.Ordinal);
        Assert.Contains($"  - {GateFixtures.NodeUncoveredFile} lines", message, StringComparison.Ordinal);
        Assert.Contains(result.AutoFixesApplied, f => f.StartsWith("coverage: tests added (changed lines", StringComparison.Ordinal));
        Assert.NotNull(result.Recheck);
        Assert.True(result.Recheck.CanMerge, string.Join("; ", result.Recheck.BlockingIssues));
        Assert.Equal(100, result.Recheck.Checks.Single(c => c.Name == "coverage").ChangedLines?.Percent);
        Assert.True(rig.WorkspacesEmpty);
    }

    [Fact]
    public async Task Eslint_fixes_what_it_can_a_coder_the_rest_and_the_commit_names_each_finding()
    {
        await RequireToolsAsync("node", "npm", "NODE_PATH=/usr/share/nodejs eslint");
        using var rig = await GateRig.CreateAsync(temporal.Client, GateFixtures.Node());
        var baseSha = await rig.Repository.HeadOfAsync("main");
        var sha = await rig.Repository.CommitAsync("feature", GateFixtures.NodeLintFinding());
        var fix = GateFixtures.NodeLintFix().Single();
        var chat = new RoleChatClient().OnJson("coder", null, Edits("Uses bulkRate.", new { path = fix.Key, content = fix.Value }));
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha) with { BaseSha = baseSha, AttemptAutoFix = true })).GetResultAsync());

        var findings = result.Checks.Single(c => c.Name == "static_analysis").Findings;
        Assert.Contains(findings, f => f.Title == GateFixtures.NodeFixableRule && f.StartLine == GateFixtures.NodeFixableRuleLine);
        Assert.Contains(findings, f => f.Title == GateFixtures.NodeUnfixableRule && f.StartLine == GateFixtures.NodeUnfixableRuleLine);
        var asked = Assert.Single(chat.CallsTo("coder"));
        Assert.Contains($"`{GateFixtures.NodeLintFile}:{GateFixtures.NodeUnfixableRuleLine}` {GateFixtures.NodeUnfixableRule}", asked.Task, StringComparison.Ordinal);
        Assert.Contains("The tool's own fixer", asked.Task, StringComparison.Ordinal);

        Assert.NotNull(result.FixedSha);
        Assert.Equal(fix.Value, await rig.Repository.RemoteGitAsync("show", $"{result.FixedSha}:{fix.Key}"));
        var message = await rig.Repository.RemoteGitAsync("log", "-1", "--format=%B", result.FixedSha);
        Assert.StartsWith("GitHubBot: apply fixes (static analysis)", message, StringComparison.Ordinal);
        Assert.Contains($"  - {GateFixtures.NodeUnfixableRule} at {GateFixtures.NodeLintFile}:{GateFixtures.NodeUnfixableRuleLine}", message, StringComparison.Ordinal);
        Assert.NotNull(result.Recheck);
        var recheck = result.Recheck.Checks.Single(c => c.Name == "static_analysis");
        Assert.Equal((true, 0), (recheck.Passed, recheck.AnnotationsCount));
        Assert.True(rig.WorkspacesEmpty);
    }

    [Fact]
    public async Task A_tester_that_changes_production_code_is_refused_and_tests_that_fail_are_dropped_so_nothing_is_pushed()
    {
        await RequireToolsAsync("node", "npm", "NODE_PATH=/usr/share/nodejs eslint");
        using var rig = await GateRig.CreateAsync(temporal.Client, GateFixtures.Node());
        var baseSha = await rig.Repository.HeadOfAsync("main");
        var sha = await rig.Repository.CommitAsync("feature", GateFixtures.NodeUncoveredChange());
        var test = GateFixtures.NodeCoveringTest().Single();
        var chat = new RoleChatClient().OnJson(
            "tester",
            null,
            Edits("Deletes the branch nobody tests.", new { path = GateFixtures.NodeUncoveredFile, content = "module.exports = {};\n" }),
            Edits("Tests shippingCost.", new { path = test.Key, content = test.Value.Replace("strictEqual(shippingCost(1, 'domestic'), 4)", "strictEqual(shippingCost(1, 'domestic'), 5)", StringComparison.Ordinal) }));
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha) with { BaseSha = baseSha, AttemptAutoFix = true })).GetResultAsync());

        var calls = chat.CallsTo("tester");
        Assert.Equal(2, calls.Count);
        Assert.Contains($"changed files that are not tests (`{GateFixtures.NodeUncoveredFile}`)", calls[1].Last, StringComparison.Ordinal);
        Assert.Null(result.FixedSha);
        Assert.Equal(sha, await rig.Repository.HeadOfAsync("feature"));
        var summary = (string?)rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, result.CheckRunId)[^1]["output"]!["summary"];
        Assert.Contains("The agent's coverage fix was dropped: the tests do not all pass with the new tests.", summary, StringComparison.Ordinal);
        Assert.True(rig.WorkspacesEmpty);
    }

    [Fact]
    public async Task With_checks_run_as_users_of_their_own_the_diff_is_still_taken_and_the_planted_key_fails_the_gate()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Assert.Fail("Gate:CheckUids needs the worker to run as root (as CI does): run the tests as root.");
        }

        using var rig = await GateRig.CreateAsync(temporal.Client, GateFixtures.Python(), (231000, 231999));
        var baseSha = await rig.Repository.HeadOfAsync("main");
        var sha = await rig.Repository.CommitAsync("feature", GateFixtures.SecretChange());
        rig.WithConfig("quality_gate:\n  checks:\n    security_scan: { run: \"ghbot:secret-scan\", required: true }\n");
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha) with { BaseSha = baseSha })).GetResultAsync());

        var scan = Assert.Single(result.Checks);
        Assert.Equal(("security_scan", false, false), (scan.Name, scan.Passed, scan.Neutral));
        Assert.Equal((GateFixtures.SecretPath, GateFixtures.SecretLine), (Assert.Single(scan.Findings).Path, scan.Findings[0].StartLine));
        Assert.Contains("security_scan (required) failed.", result.BlockingIssues);
        Assert.True(rig.WorkspacesEmpty);
    }

    [Fact]
    public async Task A_python_pr_gets_pytest_coverage_flake8_and_pylint_findings_and_a_neutral_pip_audit_naming_how_to_install_it()
    {
        await RequireToolsAsync("pytest", "flake8", "pylint");
        using var rig = await GateRig.CreateAsync(temporal.Client, GateFixtures.Python());
        var baseSha = await rig.Repository.HeadOfAsync("main");
        var sha = await rig.Repository.CommitAsync("feature", Merge(GateFixtures.PythonUncoveredChange(), GateFixtures.PythonLintFinding()));
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha) with { BaseSha = baseSha })).GetResultAsync());

        var checks = result.Checks.ToDictionary(c => c.Name);
        Assert.Equal(Core.Config.CheckConfig.Names.Order(), checks.Keys.Order());
        Assert.All(["unit_tests", "integration_tests", "performance", "security_scan"], name => Assert.True(checks[name].Passed, $"{name}: {checks[name].Summary}"));
        Assert.Contains(checks["linting"].Findings, f => f.Title == GateFixtures.PythonFlake8Rule && f.Path == GateFixtures.PythonLintFile && f.StartLine == GateFixtures.PythonFlake8RuleLine);
        Assert.Contains(checks["static_analysis"].Findings, f => f.Path == GateFixtures.PythonLintFile && f.StartLine == GateFixtures.PythonPylintRuleLine);
        Assert.True(checks["coverage"].ChangedLines?.Percent < 50);
        Assert.Contains(checks["coverage"].ChangedLines!.Uncovered, s => s.Path == GateFixtures.PythonUncoveredFile);

        Assert.True(checks["dependency_check"].Neutral);
        Assert.Contains("`pip-audit` is not installed on this worker", checks["dependency_check"].Summary, StringComparison.Ordinal);
        Assert.Contains("pip install pip-audit", checks["dependency_check"].Summary, StringComparison.Ordinal);
        var comment = Assert.Single(rig.GitHub.CommentsOn(7)).Body;
        Assert.Contains("| dependency check | ⚪ neutral — `pip-audit` is not installed", comment, StringComparison.Ordinal);
        Assert.True(rig.WorkspacesEmpty);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_dotnet_pr_runs_eight_real_checks_and_an_analyzer_finding_is_fixed_by_dotnet_format_and_the_rest_by_a_coder()
    {
        await RequireToolsAsync("dotnet");
        using var rig = await GateRig.CreateAsync(temporal.Client, GateFixtures.DotNet());
        var baseSha = await rig.Repository.HeadOfAsync("main");
        var sha = await rig.Repository.CommitAsync("feature", GateFixtures.DotNetAnalyzerFinding());
        var fix = GateFixtures.DotNetAnalyzerFix().Single();
        var chat = new RoleChatClient().OnJson("coder", null, Edits("Removes the unused variable.", new { path = fix.Key, content = fix.Value }));
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha) with { BaseSha = baseSha, AttemptAutoFix = true })).GetResultAsync());

        var checks = result.Checks.ToDictionary(c => c.Name);
        Assert.Equal(Core.Config.CheckConfig.Names.Order(), checks.Keys.Order());
        Assert.All(["unit_tests", "integration_tests", "coverage", "linting", "performance", "security_scan"], name => Assert.True(checks[name].Passed, $"{name}: {checks[name].Summary}"));
        Assert.True(checks["dependency_check"].Passed || checks["dependency_check"].Neutral, checks["dependency_check"].Summary);
        Assert.NotNull(checks["coverage"].CoveragePercent);
        var findings = checks["static_analysis"].Findings;
        Assert.Contains(findings, f => f.Title == GateFixtures.DotNetFixableRule && f.Path == GateFixtures.DotNetAnalyzerFile);
        Assert.Contains(findings, f => f.Title == GateFixtures.DotNetUnfixableRule && f.Path == GateFixtures.DotNetAnalyzerFile && f.StartLine == GateFixtures.DotNetUnfixableRuleLine);

        // dotnet format analyzers removed the unused using; the coder the unused variable; one commit says both.
        Assert.NotNull(result.FixedSha);
        Assert.Equal(fix.Value, await rig.Repository.RemoteGitAsync("show", $"{result.FixedSha}:{fix.Key}"));
        var message = await rig.Repository.RemoteGitAsync("log", "-1", "--format=%B", result.FixedSha);
        Assert.StartsWith("GitHubBot: apply fixes (static analysis)", message, StringComparison.Ordinal);
        Assert.True(message.Contains("- static analysis: the check's own fix command", StringComparison.Ordinal), message + "\n" + (string?)rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, result.CheckRunId)[^1]["output"]!["summary"]);
        // The coder was asked about what dotnet format left: the unused variable, two lines up once the using was gone.
        Assert.Contains($"  - {GateFixtures.DotNetUnfixableRule} at {GateFixtures.DotNetAnalyzerFile}:{GateFixtures.DotNetUnfixableRuleLineAfterFixer}", message, StringComparison.Ordinal);
        Assert.DoesNotContain(GateFixtures.DotNetFixableRule, Assert.Single(chat.CallsTo("coder")).Task, StringComparison.Ordinal);
        Assert.NotNull(result.Recheck);
        Assert.Equal(0, result.Recheck.Checks.Single(c => c.Name == "static_analysis").Findings.Count(f => f.Path == GateFixtures.DotNetAnalyzerFile));
        Assert.True(rig.WorkspacesEmpty);
    }

    /// <summary>Fails, naming what to install, when a tool the test needs is missing: never a silent skip.</summary>
    private static async Task RequireToolsAsync(params string[] probes)
    {
        foreach (var probe in probes)
        {
            var command = probe.Contains(' ', StringComparison.Ordinal) ? $"{probe} --version" : $"command -v {probe}";
            var run = await Cli.Wrap("/bin/sh").WithArguments(["-c", command]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            Assert.True(run.ExitCode == 0, $"This test needs `{probe}` on the machine (.ci/run installs Debian's python3-pytest, python3-pytest-cov, flake8, pylint and eslint): {run.StandardError}");
        }
    }

    private static Dictionary<string, string> Merge(params IReadOnlyDictionary<string, string>[] parts)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, text) in parts.SelectMany(p => p))
        {
            files[path] = text;
        }

        return files;
    }

    private static object Edits(string summary, params object[] edits) => new { summary, edits };
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// The quality gate end to end on real repositories: real git, real check processes, a real Temporal server, and
/// GitHub faked over HTTP. What the check runs, annotations and comment say is what the checks' reports say.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class GateWorkflowTests(TemporalServerFixture temporal)
{
    private const string Junit = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite name="calc" tests="2" failures="1">
          <testcase classname="calc" name="adds" file="src/calc.py" line="3"/>
          <testcase classname="calc" name="divides" file="src/calc.py" line="7"><failure message="ZeroDivisionError: division by zero">Traceback</failure></testcase>
        </testsuite>
        """;

    private const string Trx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult testName="Api.Starts" outcome="Passed" />
            <UnitTestResult testName="Api.Stops" outcome="Passed" />
          </Results>
          <ResultSummary outcome="Completed" />
        </TestRun>
        """;

    private const string Cobertura = """<?xml version="1.0"?><coverage line-rate="0.9" lines-covered="90" lines-valid="100"></coverage>""";

    [Fact]
    public async Task Checks_run_in_parallel_and_the_pr_gets_what_their_reports_say_as_check_runs_annotations_and_one_comment()
    {
        var marker = Marker();
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string>
        {
            ["src/calc.py"] = string.Concat(Enumerable.Range(1, 80).Select(i => $"line_{i} = {i}\n")),
            ["fixtures/junit.xml"] = Junit,
            ["fixtures/a.trx"] = Trx,
            ["fixtures/b.trx"] = Trx,
            ["fixtures/coverage.xml"] = Cobertura,
            ["fixtures/analysis.sarif"] = Sarif(60),
            ["stale/junit.xml"] = Junit.Replace("<failure message=\"ZeroDivisionError: division by zero\">Traceback</failure>", string.Empty, StringComparison.Ordinal),
        });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["src/new.py"] = "x = 1\n" });
        rig.WithConfig($$"""
            quality_gate:
              required_score: 40
              required_coverage: 80
              checks:
                unit_tests: { run: "mkdir -p reports && cp fixtures/junit.xml reports/ && exit 1", report: junit, report_path: reports/junit.xml, weight: 3, required: true }
                integration_tests: { run: "mkdir -p out && cp fixtures/a.trx fixtures/b.trx out/", report: trx, report_path: "out/*.trx" }
                coverage: { run: "mkdir -p reports && cp fixtures/coverage.xml reports/", report: cobertura, report_path: reports/coverage.xml }
                static_analysis: { run: "mkdir -p reports && cp fixtures/analysis.sarif reports/", report: sarif, report_path: reports/analysis.sarif }
                linting: { run: "echo all clean" }
                performance: { run: "true", report: junit, report_path: stale/junit.xml }
                dependency_check: { run: "sleep 120 {{marker}}", timeout: 2s }
            """);
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha))).GetResultAsync());

        // The verdict: (3×50 + 100 + 90 + 0 + 100 + 0 + 0) / 9, the required unit tests failed.
        Assert.Equal(48.9, result.OverallScore);
        Assert.False(result.CanMerge);
        Assert.Equal("failure", result.Conclusion);
        Assert.Equal(["unit_tests (required) failed."], result.BlockingIssues);
        var checks = result.Checks.ToDictionary(c => c.Name);
        Assert.Equal(7, checks.Count);
        Assert.Equal((false, 50.0, 1), (checks["unit_tests"].Passed, checks["unit_tests"].Score, checks["unit_tests"].AnnotationsCount));
        Assert.Equal((true, 100.0), (checks["integration_tests"].Passed, checks["integration_tests"].Score));
        Assert.Equal((true, 90.0), (checks["coverage"].Passed, checks["coverage"].Score));
        Assert.Equal((true, 0.0, 60), (checks["static_analysis"].Passed, checks["static_analysis"].Score, checks["static_analysis"].AnnotationsCount));
        Assert.Contains("wrote no JUnit report", checks["performance"].Summary, StringComparison.Ordinal);
        Assert.False(checks["dependency_check"].Passed);
        Assert.Contains("timeout", checks["dependency_check"].Summary, StringComparison.Ordinal);
        Assert.Contains("all clean", checks["linting"].Summary, StringComparison.Ordinal);

        // One check run per check, on the head, with its annotations: the failing test points at its line.
        var created = rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo);
        Assert.Equal("GitHubBot / quality gate", (string?)created[0]["name"]);
        Assert.Equal("in_progress", (string?)created[0]["status"]);
        var perCheck = created.Skip(1).ToDictionary(c => (string)c["name"]!);
        Assert.Equal(7, perCheck.Count);
        Assert.All(perCheck.Values, c => Assert.Equal(sha, (string?)c["head_sha"]));
        Assert.Equal("failure", (string?)perCheck["GitHubBot / unit tests"]["conclusion"]);
        Assert.Equal("neutral", (string?)perCheck["GitHubBot / dependency check"]["conclusion"]);
        Assert.StartsWith("timed out", (string?)perCheck["GitHubBot / dependency check"]["output"]!["title"], StringComparison.Ordinal);
        Assert.Equal("success", (string?)perCheck["GitHubBot / coverage"]["conclusion"]);
        var testAnnotation = Assert.Single(perCheck["GitHubBot / unit tests"]["output"]!["annotations"]!.AsArray())!;
        Assert.Equal(("src/calc.py", 7, "failure"), ((string?)testAnnotation["path"], (int)testAnnotation["start_line"]!, (string?)testAnnotation["annotation_level"]));
        Assert.Contains("ZeroDivisionError", (string?)testAnnotation["message"], StringComparison.Ordinal);

        // 60 annotations: 50 with the creation, the other 10 with one update.
        Assert.Equal(50, perCheck["GitHubBot / static analysis"]["output"]!["annotations"]!.AsArray().Count);
        var analysisId = 1000 + created.ToList().FindIndex(c => (string?)c["name"] == "GitHubBot / static analysis");
        var more = Assert.Single(rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, analysisId));
        Assert.Equal(10, more["output"]!["annotations"]!.AsArray().Count);

        // The summary run: failure, the score, the buttons, the table.
        var summary = rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, 1000)[^1];
        Assert.Equal(("completed", "failure"), ((string?)summary["status"], (string?)summary["conclusion"]));
        Assert.StartsWith("48.9/100", (string?)summary["output"]!["title"], StringComparison.Ordinal);
        Assert.Equal(["rerun"], summary["actions"]!.AsArray().Select(a => (string?)a!["identifier"]));
        Assert.Contains("| security scan | ➖ skipped — not configured in .github/ghbot.yml |", (string?)summary["output"]!["summary"], StringComparison.Ordinal);

        // One sticky comment; the timed-out check left no process behind; the workspace is gone.
        var comment = Assert.Single(rig.GitHub.CommentsOn(7));
        Assert.Contains(Core.QualityGate.GateComment.Marker, comment.Body, StringComparison.Ordinal);
        Assert.Contains("unit_tests (required) failed.", comment.Body, StringComparison.Ordinal);
        Assert.Contains("| unit tests | ❌ failed | 50 | yes |", comment.Body, StringComparison.Ordinal);
        Assert.Empty(await ProcessesMatchingAsync(marker));
        Assert.True(rig.WorkspacesEmpty);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Without_configuration_checks_are_detected_and_a_second_run_edits_the_same_comment()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string>
        {
            ["package.json"] = """{ "name": "calc", "scripts": { "test": "node test.js", "lint": "node lint.js" } }""",
            ["test.js"] = "console.log('1 test passed');\n",
            ["lint.js"] = "console.error('lint: missing semicolon'); process.exit(1);\n",
        });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["calc.js"] = "module.exports = 1;\n" });
        using var worker = rig.Worker();

        var (first, second) = await worker.ExecuteAsync(async () =>
        {
            var one = await (await rig.StartAsync(rig.Input(sha))).GetResultAsync();
            var two = await (await rig.StartAsync(rig.Input(sha) with { Trigger = "check_suite.rerequested" }, $"gate/{GateRig.Owner}/{rig.Repo}/7/{sha}/rerun-1")).GetResultAsync();
            return (one, two);
        });

        // The secret scan needs the PR's base, which this gate was not given: neutral, saying so, and not scored.
        Assert.Equal(["linting", "security_scan", "unit_tests"], first.Checks.Select(c => c.Name).Order());
        Assert.True(first.Checks.Single(c => c.Name == "security_scan").Neutral);
        Assert.True(first.Checks.Single(c => c.Name == "unit_tests").Passed);
        Assert.False(first.Checks.Single(c => c.Name == "linting").Passed);

        // (3×100 + 1×0) / 4 = 75, below the default 85; linting is not required.
        Assert.Equal(75, first.OverallScore);
        Assert.Equal(["The score is 75, below the required 85."], first.BlockingIssues);
        Assert.Equal(first.OverallScore, second.OverallScore);

        var comment = Assert.Single(rig.GitHub.CommentsOn(7));
        Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/issues/7/comments"));
        Assert.Single(rig.GitHub.RequestsTo("PATCH", $"/repos/{GateRig.Owner}/{rig.Repo}/issues/comments/{comment.Id}"));
        Assert.Contains("| integration tests | ➖ skipped — no test:integration, integration, test:e2e or e2e script in package.json |", comment.Body, StringComparison.Ordinal);
        Assert.Contains("| coverage | ➖ skipped — no way to measure coverage", comment.Body, StringComparison.Ordinal);
        Assert.Contains("| security scan | ⚪ neutral — The PR's base commit is not known", comment.Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task An_invalid_configuration_fails_the_gate_with_a_check_run_naming_the_key_and_line()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "a\n" });
        rig.WithConfig("""
            quality_gate:
              required_score: 90
              checks:
                unit_tests:
                  run: make test
                  timeout: forever
            """);
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha))).GetResultAsync());

        Assert.Equal("failure", result.Conclusion);
        var problem = Assert.Single(result.BlockingIssues);
        Assert.Contains("timeout", problem, StringComparison.Ordinal);
        Assert.Contains("line 6", problem, StringComparison.Ordinal);
        var run = Assert.Single(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo));
        Assert.Equal(("GitHubBot / quality gate", "completed", "failure"), ((string?)run["name"], (string?)run["status"], (string?)run["conclusion"]));
        Assert.Equal("Invalid .github/ghbot.yml", (string?)run["output"]!["title"]);
        var annotation = Assert.Single(run["output"]!["annotations"]!.AsArray())!;
        Assert.Equal((".github/ghbot.yml", 6), ((string?)annotation["path"], (int)annotation["start_line"]!));
        Assert.True(rig.WorkspacesEmpty, "nothing was checked out");
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Auto_fix_pushes_a_commit_by_the_app_to_the_pr_branch_and_the_fixed_commit_passes_its_re_check()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["style.txt"] = "messy\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        rig.WithConfig("""
            quality_gate:
              auto_fix: true
              checks:
                unit_tests: { run: "test -f feature.txt" }
                linting: { run: "grep -q formatted style.txt", fix: "echo formatted > style.txt" }
            """);
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha))).GetResultAsync());

        Assert.Equal(["linting"], result.AutoFixesApplied);
        var fixedSha = await rig.Repository.HeadOfAsync("feature");
        Assert.NotEqual(sha, fixedSha);
        Assert.Equal(fixedSha, result.FixedSha);
        Assert.Equal("formatted\n", await rig.Repository.RemoteGitAsync("show", $"{fixedSha}:style.txt"));
        Assert.Equal($"{GitHubFake.AppSlug}[bot] <{GitHubFake.AppSlug}[bot]@users.noreply.github.com>\n{sha}\n",
            await rig.Repository.RemoteGitAsync("log", "-1", "--format=%an <%ae>%n%P", fixedSha));

        // The fixed commit was checked once more, by its own gate, and passes; it did not try to fix again.
        Assert.NotNull(result.Recheck);
        Assert.True(result.Recheck.CanMerge);
        Assert.Empty(result.Recheck.AutoFixesApplied);
        Assert.Contains(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo), c => (string?)c["head_sha"] == fixedSha && (string?)c["name"] == "GitHubBot / linting" && (string?)c["conclusion"] == "success");
        // The first gate reported its own commit (failing linting, fixes pushed); the comment now shows the fixed one.
        var before = rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, result.CheckRunId)[^1];
        Assert.Equal("failure", (string?)before["conclusion"]);
        Assert.Contains($"Fixes pushed as `{fixedSha[..7]}`", (string?)before["output"]!["summary"], StringComparison.Ordinal);
        var comment = Assert.Single(rig.GitHub.CommentsOn(7));
        Assert.Contains($"on `{fixedSha[..7]}`", comment.Body, StringComparison.Ordinal);
        Assert.Contains("✅ GitHubBot quality gate: 100/100", comment.Body, StringComparison.Ordinal);
        Assert.Contains($"- linting (in `{fixedSha[..7]}`)", comment.Body, StringComparison.Ordinal);
        Assert.True(rig.WorkspacesEmpty);
    }

    [Fact]
    public async Task GitHubBots_own_fixes_commit_is_not_fixed_again_even_when_its_push_started_a_gate_first()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.WithConfig("""
            quality_gate:
              auto_fix: true
              checks:
                linting: { run: "false", fix: "echo touched >> touched.txt" }
            """);
        using var worker = rig.Worker();

        var (first, again) = await worker.ExecuteAsync(async () =>
        {
            var one = await (await rig.StartAsync(rig.Input(sha))).GetResultAsync();

            // The push's own webhook, as if it had come before the re-check started.
            var two = await (await rig.StartAsync(rig.Input(one.FixedSha!) with { Trigger = "pull_request.synchronize" }, $"gate/{GateRig.Owner}/{rig.Repo}/7/{one.FixedSha}/late")).GetResultAsync();
            return (one, two);
        });

        Assert.Equal(["linting"], first.AutoFixesApplied);
        Assert.NotNull(first.Recheck);
        Assert.Empty(first.Recheck.AutoFixesApplied);
        Assert.Empty(again.AutoFixesApplied);
        Assert.Equal(first.FixedSha, await rig.Repository.HeadOfAsync("feature"));
        Assert.Contains("own fixes commit", (string?)rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, again.CheckRunId)[^1]["output"]!["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_gate_that_arrives_while_fixes_run_stops_the_gate_once_the_fixes_are_done()
    {
        var marker = Marker();
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["style.txt"] = "messy\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        rig.WithConfig($$"""
            quality_gate:
              auto_fix: true
              checks:
                linting: { run: "grep -q formatted style.txt", fix: "sleep 2 {{marker}}; echo formatted > style.txt" }
            """);
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(rig.Input(sha));
            await WaitUntilAsync(async () => (await ProcessesMatchingAsync(marker)).Count > 0);
            await handle.SignalAsync(wf => wf.CancelAsync(new CancelGate("A newer commit was pushed.", $"gate/{GateRig.Owner}/{rig.Repo}/7/{new string('b', 40)}")));
            return await handle.GetResultAsync();
        });

        // The fix finished (it was not killed half-way), then the gate stopped instead of reporting or re-checking.
        Assert.Equal("cancelled", result.Conclusion);
        Assert.NotEqual(sha, await rig.Repository.HeadOfAsync("feature"));
        Assert.Empty(rig.GitHub.CommentsOn(7));
        Assert.Equal("cancelled", (string?)rig.GitHub.CheckRunUpdates(GateRig.Owner, rig.Repo, 1000)[^1]["conclusion"]);
        Assert.Single(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo), run => (string?)run["name"] == "GitHubBot / quality gate");
    }

    [Fact]
    public async Task A_fork_pr_waits_for_ok_to_test_and_then_gets_the_fix_as_a_diff_instead_of_a_push()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["style.txt"] = "messy\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        rig.WithConfig("""
            quality_gate:
              checks:
                linting: { run: "grep -q formatted style.txt", fix: "echo formatted > style.txt" }
            """);
        using var worker = rig.Worker();
        var input = rig.Input(sha) with { FromFork = true, AuthorAssociation = "CONTRIBUTOR", AttemptAutoFix = true };

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await rig.StartAsync(input);
            await WaitUntilAsync(async () => (await handle.QueryAsync(wf => wf.Status)).WaitingForOkToTest);

            // The status says so as soon as the gate decides; its check run follows.
            await WaitUntilAsync(() => Task.FromResult(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo).Count > 0));
            var waiting = Assert.Single(rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo));
            Assert.Equal(("neutral", "Waiting for /ok-to-test"), ((string?)waiting["conclusion"], (string?)waiting["output"]!["title"]));
            Assert.True(rig.WorkspacesEmpty, "nothing of the fork's code was fetched before /ok-to-test");

            await handle.SignalAsync(wf => wf.OkToTestAsync("Codertocat"));
            return await handle.GetResultAsync();
        });

        Assert.Equal(["linting"], result.AutoFixesApplied);
        Assert.Null(result.FixedSha);
        Assert.Equal(sha, await rig.Repository.HeadOfAsync("feature"));
        var comment = Assert.Single(rig.GitHub.CommentsOn(7));
        Assert.Contains("comes from a fork", comment.Body, StringComparison.Ordinal);
        Assert.Contains("-messy\n+formatted", comment.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gate_started_without_a_head_looks_the_pull_request_up()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["a.txt"] = "1\n" });
        rig.GitHub.ExpectPullRequest(GateRig.Owner, rig.Repo, 7, sha, "feature", rig.Repository.CloneUrl);
        rig.WithConfig("""
            quality_gate:
              checks:
                unit_tests: { run: "test -f a.txt" }
            """);
        using var worker = rig.Worker();

        var result = await worker.ExecuteAsync(async () =>
            await (await rig.StartAsync(rig.Input(string.Empty, branch: string.Empty) with { CloneUrl = null, Trigger = "cli" }, $"gate/{GateRig.Owner}/{rig.Repo}/7/manual-1")).GetResultAsync());

        Assert.True(result.CanMerge);
        Assert.Equal(sha, (string?)rig.GitHub.CheckRunsCreated(GateRig.Owner, rig.Repo)[0]["head_sha"]);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    private static string Sarif(int warnings)
    {
        var results = Enumerable.Range(1, warnings).Select(i => new JsonObject
        {
            ["ruleId"] = "magic-number",
            ["level"] = "warning",
            ["message"] = new JsonObject { ["text"] = $"Magic number {i}." },
            ["locations"] = new JsonArray(new JsonObject
            {
                ["physicalLocation"] = new JsonObject
                {
                    ["artifactLocation"] = new JsonObject { ["uri"] = "src/calc.py" },
                    ["region"] = new JsonObject { ["startLine"] = i },
                },
            }),
        });
        return new JsonObject
        {
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject { ["driver"] = new JsonObject { ["name"] = "lint" } },
                ["results"] = new JsonArray([.. results]),
            }),
        }.ToJsonString();
    }

    /// <summary>
    /// A number to add to a sleep's duration: it shows in the sleep process's own command line (not only in the
    /// shell's), so <see cref="ProcessesMatchingAsync"/> finds the child a kill must reach.
    /// </summary>
    internal static string Marker() => string.Create(CultureInfo.InvariantCulture, $"0.{Random.Shared.NextInt64(100_000_000, 999_999_999)}");

    internal static async Task<IReadOnlyList<string>> ProcessesMatchingAsync(string marker)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", marker]) { RedirectStandardOutput = true })!;
        var found = await pgrep.StandardOutput.ReadToEndAsync();
        await pgrep.WaitForExitAsync();
        return [.. found.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>A repository whose one check sleeps five minutes, tagged with <paramref name="marker"/> to find its process, and a commit to check.</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(100);
        }
    }
}

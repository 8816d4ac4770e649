using System.Globalization;
using GitHubBot.Testing;
using GitHubBot.Workflows.Workspaces;

namespace GitHubBot.Workflows.Tests;

/// <summary>With Gate:CheckUids the PR's code runs as a user of its own, which cannot read what the worker can.</summary>
[Collection(TemporalCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GateIsolationTests(TemporalServerFixture temporal)
{
    private static readonly (int First, int Last) Uids = (230000, 239999);

    [Fact]
    public async Task The_prs_code_runs_as_its_own_user_cannot_read_the_workers_secrets_and_leaves_no_process_behind()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            // Where the tests do not run as root, the same setting must refuse to start rather than run unisolated.
            var refused = Assert.Throws<InvalidOperationException>(() => new WorkspaceOptions("/tmp/x") { CheckUids = Uids }.Validate());
            Assert.Contains("root", refused.Message, StringComparison.Ordinal);
            return;
        }

        using var secrets = new TempDirectory("ghbot-worker-secrets-");
        var keyFile = Path.Combine(secrets.Path, "app.pem");
        await File.WriteAllTextAsync(keyFile, "PRIVATE-KEY-MATERIAL\n");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var marker = GateWorkflowTests.Marker();
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string> { ["style.txt"] = "messy\n" }, Uids);
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        rig.WithConfig($$"""
            quality_gate:
              auto_fix: true
              checks:
                unit_tests:
                  run: "echo uid=$(id -u); cat /proc/{{Environment.ProcessId}}/environ && echo LEAK''ED-ENVIRONMENT; cat {{keyFile}} && echo LEAK''ED-KEY; ls ../../..; mkdir -p out && printf '<testsuite><testcase classname=\"c\" name=\"t\"/></testsuite>' > out/junit.xml"
                  report: junit
                  report_path: out/junit.xml
                security_scan: { run: "setsid sleep 300 {{marker}} > /dev/null 2>&1 < /dev/null & true" }
                linting: { run: "grep -q formatted style.txt", fix: "echo formatted > style.txt" }
            """);
        using var worker = rig.Worker();
        var other = Path.Combine(rig.WorkspaceRoot, "another-gates-workspace");
        Directory.CreateDirectory(other);

        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha))).GetResultAsync());

        // (The command itself is quoted in the summary; it spells the words it echoes with '' inside.)
        var tests = result.Checks.Single(c => c.Name == "unit_tests");
        Assert.True(tests.Passed, tests.Summary);
        // In its sandbox the worker's process, key file and other workspaces do not even exist.
        Assert.Contains("No such file or directory", tests.Summary, StringComparison.Ordinal);
        var uid = int.Parse(System.Text.RegularExpressions.Regex.Match(tests.Summary, "uid=([0-9]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(uid, Uids.First, Uids.Last);
        Assert.DoesNotContain("LEAKED", tests.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE-KEY-MATERIAL", tests.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("another-gates-workspace", tests.Summary, StringComparison.Ordinal);
        Directory.Delete(other);

        // The fix ran as that user too; the commit was made and pushed by the worker from its own repository.
        Assert.Equal(["linting"], result.AutoFixesApplied);
        Assert.Equal(result.FixedSha, await rig.Repository.HeadOfAsync("feature"));
        Assert.True(result.Recheck!.CanMerge);

        // The detached sleep outlived its check's process tree, but not the gate.
        await GateWorkflowTests.WaitUntilAsync(async () => (await GateWorkflowTests.ProcessesMatchingAsync(marker)).Count == 0);
        Assert.True(rig.WorkspacesEmpty);
    }
}

using System.Globalization;
using GitHubBot.Testing;
using GitHubBot.Workflows.Workspaces;

namespace GitHubBot.Workflows.Tests;

/// <summary>The sandbox's file system, as a root worker builds it (the workspace's own user) and as a non-root worker does (a user namespace).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SandboxTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_sandbox_shows_the_system_directories_read_only_and_its_workspace_but_nothing_the_worker_hides(bool ownUser)
    {
        Assert.True(Environment.IsPrivilegedProcess, "The sandbox's tests run as root, as CI does (a root worker drops to the workspace's user).");
        using var root = new TempDirectory("ghbot-sandbox-");
        var tools = Path.Combine(root.Path, "tools");
        var data = Path.Combine(tools, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(tools, "tool.txt"), "a tool\n");
        await File.WriteAllTextAsync(Path.Combine(data, "secret.txt"), "DATADIR-SECRET\n");
        var key = Path.Combine(tools, "app.pem");
        await File.WriteAllTextAsync(key, "KEY-MATERIAL\n");
        var workspace = Path.Combine(data, "workspaces", "gate-1");
        var home = Path.Combine(workspace, "home");
        Directory.CreateDirectory(Path.Combine(home, "tmp"));
        var uid = 240000 + Random.Shared.Next(1000);
        if (ownUser)
        {
            await CliWrap.Cli.Wrap("chown").WithArguments(["-R", $"{uid}:{uid}", workspace]).ExecuteAsync();
        }

        var sandbox = new Sandbox(new SandboxLimits(), [.. Sandbox.SystemPaths, tools], [data, key], Path.Combine(root.Path, "state"));
        var runAs = new RunAs(uid, home) { Sandbox = sandbox, SwitchesUser = ownUser };

        var run = await CheckProcess.RunAsync(
            $"id -u; cat {tools}/tool.txt; cat {data}/secret.txt; cat {key}; ls {data}; touch {tools}/new.txt || echo tools-read-only; echo written > {workspace}/out.txt && echo workspace-writable; touch /tmp/t && echo tmp-writable",
            workspace,
            TimeSpan.FromSeconds(30),
            runAs: runAs,
            network: false);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("a tool", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("DATADIR-SECRET", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("KEY-MATERIAL", run.Output, StringComparison.Ordinal);
        Assert.Contains("tools-read-only", run.Output, StringComparison.Ordinal);
        Assert.Contains("workspace-writable", run.Output, StringComparison.Ordinal);
        Assert.Contains("tmp-writable", run.Output, StringComparison.Ordinal);
        Assert.Equal("written\n", await File.ReadAllTextAsync(Path.Combine(workspace, "out.txt")));
        Assert.False(File.Exists(Path.Combine(tools, "new.txt")));
        Assert.Equal(ownUser ? uid.ToString(CultureInfo.InvariantCulture) : "0", run.Output.Split('\n')[0]);
    }
}

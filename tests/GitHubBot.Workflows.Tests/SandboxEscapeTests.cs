using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using GitHubBot.Testing;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// A pull request whose checks are real scripts that try to escape (fixtures/hostile-check), run by a gate whose
/// worker is configured as a production worker is by default — sandboxed, nothing opted into — with smaller limits so
/// that hitting each takes seconds. Every attempt reports what it got; the test asserts it got nothing but the
/// outside network, which checks keep.
/// </summary>
[Collection(TemporalCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SandboxEscapeTests(TemporalServerFixture temporal)
{
    private static readonly string[] Attempts =
    [
        "the-worker-environment-in-mine", "the-worker-environment-via-proc", "the-key-file", "the-datadir", "another-workspace",
        "the-worker-process", "the-temporal-frontend", "the-bots-http-port", "the-bots-http-port-via-the-gateway",
        "unlimited-processes", "512-mib-of-memory", "a-300-mib-file", "60-cpu-seconds",
    ];

    [Fact]
    public async Task A_hostile_check_gets_none_of_the_workers_secrets_ports_or_processes_and_is_held_to_its_limits()
    {
        var secret = $"ghbot-worker-secret-{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable("GHBOT_TEST_WORKER_SECRET", secret);
        using var secrets = new TempDirectory("ghbot-worker-secrets-");
        var keyFile = Path.Combine(secrets.Path, "app.pem");
        await File.WriteAllTextAsync(keyFile, "PRIVATE-KEY-MATERIAL\n");

        // The bot's HTTP port on the worker's loopback, and a server "outside": on the machine's own network address.
        using var bot = new TcpListener(IPAddress.Loopback, 0);
        bot.Start();
        var outsideAddress = NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(address => address.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address));
        Assert.True(outsideAddress is not null, "This machine has no network address but its loopback, so no server can stand in for the outside network.");
        using var outside = new TcpListener(IPAddress.Any, 0);
        outside.Start();
        var outsideAccepted = outside.AcceptTcpClientAsync();

        var fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "hostile-check");
        var files = Directory.GetFiles(fixtures).ToDictionary(path => Path.GetFileName(path), File.ReadAllText);
        files["README.md"] = "A repository whose checks misbehave.\n";
        using var rig = await GateRig.CreateAsync(temporal.Client, files);
        var sha = await rig.Repository.CommitAsync("feature", new Dictionary<string, string> { ["change.txt"] = "new\n" });
        var other = Path.Combine(rig.WorkspaceRoot, "another-gates-workspace");
        Directory.CreateDirectory(other);
        var otherFile = Path.Combine(other, "secret.txt");
        await File.WriteAllTextAsync(otherFile, "another gate's files\n");
        var marker = GateWorkflowTests.Marker();
        var arguments = string.Join(' ', new[]
        {
            secret, keyFile, otherFile, Path.Combine(rig.WorkspaceRoot, ".worker"), temporal.Address,
            ((IPEndPoint)bot.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{outsideAddress}:{((IPEndPoint)outside.LocalEndpoint).Port}", marker,
        });
        rig.WithConfig($$"""
            quality_gate:
              checks:
                unit_tests: { run: "sh hostile.sh {{arguments}}", report: junit, report_path: out/junit.xml, timeout: 3m }
            """);
        var limits = new Dictionary<string, string?>
        {
            ["Gate:Limits:CpuSeconds"] = "3",
            ["Gate:Limits:MemoryMb"] = "256",
            ["Gate:Limits:Processes"] = "64",
            ["Gate:Limits:FileMb"] = "50",
            ["Gate:Limits:DiskMb"] = "200",
            ["Gate:Limits:OutputMb"] = "5",
        };
        using var worker = rig.Worker(settings: limits);
        var result = await worker.ExecuteAsync(async () => await (await rig.StartAsync(rig.Input(sha))).GetResultAsync());

        // The fork loop above uses up the process limit of its workspace's user, which the checks of one gate share:
        // the limits on output and disk, and a check without network, get a gate of their own.
        using var second = await GateRig.CreateAsync(temporal.Client, files);
        var secondSha = await second.Repository.CommitAsync("feature", new Dictionary<string, string> { ["change.txt"] = "new\n" });
        second.WithConfig($$"""
            quality_gate:
              checks:
                linting: { run: "sh endless.sh", timeout: 3m }
                integration_tests: { run: "sh disk.sh", timeout: 3m }
                performance: { run: "timeout 5 bash -c 'exec 3<>/dev/tcp/{{outsideAddress}}/{{((IPEndPoint)outside.LocalEndpoint).Port}}' && echo REACHED-OUT || echo no-network-here", network: false }
            """);
        using var secondWorker = second.Worker(settings: limits);
        var bounded = await secondWorker.ExecuteAsync(async () => await (await second.StartAsync(second.Input(secondSha))).GetResultAsync());

        var hostile = result.Checks.Single(c => c.Name == "unit_tests");
        Assert.Contains("hostile-report-complete", hostile.Summary, StringComparison.Ordinal);
        foreach (var attempt in Attempts)
        {
            Assert.Contains($"denied {attempt}", hostile.Summary, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(secret, hostile.Summary.Replace($"sh hostile.sh {secret}", "sh hostile.sh", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE-KEY-MATERIAL", hostile.Summary, StringComparison.Ordinal);
        Assert.Contains("GOT the-outside-network", hostile.Summary, StringComparison.Ordinal);
        Assert.True(outsideAccepted.IsCompleted, "the outside server saw no connection from the sandbox");
        Assert.False(bot.Pending(), "the bot's port on the loopback had a connection waiting");

        // The processes it could see were its own few; the fork loop was stopped well short of its 400.
        var visible = int.Parse(System.Text.RegularExpressions.Regex.Match(hostile.Summary, "processes-visible ([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(visible, 1, 10);
        var forks = int.Parse(System.Text.RegularExpressions.Regex.Match(hostile.Summary, "processes-started ([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(forks, 0, 64);

        // An endless line and an endless writer are stopped by their limits, not by their timeouts.
        var endless = bounded.Checks.Single(c => c.Name == "linting");
        Assert.False(endless.Passed);
        Assert.Contains("more than 5 MB of output", endless.Summary, StringComparison.Ordinal);
        var disk = bounded.Checks.Single(c => c.Name == "integration_tests");
        Assert.False(disk.Passed);
        Assert.Contains("more than 200 MB to disk", disk.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("wrote-everything", disk.Summary, StringComparison.Ordinal);

        // A check whose configuration turns the network off has none.
        var offline = bounded.Checks.Single(c => c.Name == "performance");
        Assert.Contains("no-network-here", offline.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("REACHED-OUT", offline.Summary.Replace("&& echo REACHED-OUT", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        // Nothing it started outlived its check.
        Assert.Empty(await GateWorkflowTests.ProcessesMatchingAsync(marker));
        Directory.Delete(other, recursive: true);
        await GateWorkflowTests.WaitUntilAsync(() => Task.FromResult(rig.WorkspacesEmpty && second.WorkspacesEmpty));
    }
}

using System.Net;
using System.Net.Sockets;
using GitHubBot.App.Hosting;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>
/// A first <c>ghbot serve</c> whose embedded Temporal server cannot start — no CLI to be had, a wrong
/// TEMPORAL_CLI_PATH, its port taken — ends in one line naming what to set, exit code 2, no stack trace.
/// </summary>
public sealed class EmbeddedTemporalStartTests
{
    [Fact]
    public async Task A_wrong_TEMPORAL_CLI_PATH_is_one_line_naming_it()
    {
        using var dataDir = new TempDirectory("ghbot-cli-");
        var (exitCode, said) = await ServeAsync(dataDir.Path, new() { ["TEMPORAL_CLI_PATH"] = "/nonexistent/temporal" }, "--Temporal:EmbeddedPort=0");

        Assert.Equal(2, exitCode);
        Assert.Contains("TEMPORAL_CLI_PATH points to '/nonexistent/temporal', which does not exist.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
        Assert.Single(said.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_taken_port_is_one_line_naming_Temporal_EmbeddedPort()
    {
        using var dataDir = new TempDirectory("ghbot-cli-");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, said) = await ServeAsync(dataDir.Path, new() { ["TEMPORAL_CLI_PATH"] = TemporalServerFixture.CliPath() }, $"--Temporal:EmbeddedPort={port}");

        Assert.Equal(2, exitCode);
        var line = Assert.Single(said.Split('\n'), l => l.StartsWith("The embedded Temporal server", StringComparison.Ordinal));
        Assert.Contains($"did not start on 127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("Set Temporal:EmbeddedPort to a free port, or Temporal:Address", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_any_cli_the_line_names_TEMPORAL_CLI_PATH_and_a_cluster_instead()
    {
        var line = EmbeddedTemporalServer.StartProblem(null, 7233, "Connection failed: failed to download ephemeral server executable:\nerror sending request");

        Assert.StartsWith("The embedded Temporal server needs the Temporal CLI: TEMPORAL_CLI_PATH is not set, there is no `temporal` on PATH, and the SDK could not download it (Connection failed", line, StringComparison.Ordinal);
        Assert.EndsWith("Set TEMPORAL_CLI_PATH to the CLI binary, or Temporal:Address to a running Temporal server.", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    /// <summary>Runs <c>ghbot serve</c> as a process until it exits (a minute at most): its exit code and standard error.</summary>
    private static Task<(int ExitCode, string Said)> ServeAsync(string dataDir, Dictionary<string, string> environment, params string[] args) =>
        GhbotProcess.RunToExitAsync(
            new[] { "serve", "--urls", "http://127.0.0.1:0", $"--DataDir={dataDir}", "--Temporal:EmbeddedUi=false" }.Concat(args),
            environment,
            TimeSpan.FromSeconds(60));
}

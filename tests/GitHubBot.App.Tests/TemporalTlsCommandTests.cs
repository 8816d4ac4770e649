using System.Diagnostics;
using GitHubBot.App.Cli;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>
/// Temporal:Tls and Temporal:ApiKey through the command line: an unusable certificate stops serve, worker and the
/// operator commands with one line naming the setting and exit code 2, before anything connects. (A dev server
/// speaks no TLS; the options themselves are checked in <see cref="TemporalClientSetupTests"/>.) In the Temporal
/// collection because it swaps Console.Error, as <see cref="WorkerCommandTests"/> does.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class TemporalTlsCommandTests : IDisposable
{
    private readonly TempDirectory dir = new("ghbot-tls-cli-");

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData("serve")]
    [InlineData("worker")]
    public async Task Serve_and_worker_refuse_a_missing_client_certificate_in_one_line_with_exit_code_2(string command)
    {
        var key = Path.Combine(dir.Path, "client.key");
        await File.WriteAllTextAsync(key, "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
        var missing = Path.Combine(dir.Path, "client.pem");
        var error = new StringWriter();
        var before = Console.Error;
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = await GhbotCommandLine.RunAsync(
            [
                command, "--urls", "http://127.0.0.1:0", "--Temporal:Address=127.0.0.1:1",
                $"--Temporal:Tls:ClientCertPath={missing}", $"--Temporal:Tls:ClientKeyPath={key}",
            ]).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Console.SetError(before);
        }

        Assert.Equal(2, exitCode);
        Assert.Equal($"Temporal:Tls:ClientCertPath names {missing}, which does not exist.", error.ToString().Trim());
    }

    [Fact]
    public async Task The_operator_commands_as_a_real_process_refuse_a_missing_server_ca_in_one_line_with_exit_code_2()
    {
        var missing = Path.Combine(dir.Path, "ca.pem");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "ghbot.dll"), "status", "gate/octo/app/1/abc", "--address", "127.0.0.1:1" })
        {
            start.ArgumentList.Add(arg);
        }

        // The operator commands read settings from the environment, as an operator's shell gives them.
        start.Environment["Temporal__ApiKey"] = "cloud-key";
        start.Environment["Temporal__Tls__ServerRootCaCertPath"] = missing;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal(string.Empty, await output);
        Assert.Equal($"Temporal:Tls:ServerRootCaCertPath names {missing}, which does not exist.", (await error).Trim());
    }
}

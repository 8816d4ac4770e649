using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace GitHubBot.App.Tests;

/// <summary>`ghbot serve` as a real process with its embedded Temporal server, restarted on the same DataDir.</summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly TempDirectory temp = new("ghbot-serve-");

    private string dataDir => temp.Path;

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_workflow_started_before_a_restart_is_still_there_after_it()
    {
        using var github = new GitHubFake();
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("changes", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo).WithHead(remote, sha, "changes");
        github.ExpectGate("Codertocat", repo, 1, "ghs_serve", 77);
        var temporalPort = TestPorts.Free();

        string workflowId;
        using (var first = await ServeProcess.StartAsync(dataDir, temporalPort, github))
        {
            using var response = await first.Webhooks.PostAsync("pull_request", payload, deliveryId: "before-restart");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            workflowId = (await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!;
            var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
            await client.GetWorkflowHandle(workflowId).GetResultAsync<QualityGateResult>();
            Assert.Equal(0, await first.StopAsync());
        }

        Assert.True(File.Exists(Path.Combine(dataDir, "temporal.db")));
        using var second = await ServeProcess.StartAsync(dataDir, temporalPort, github);
        var again = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        var description = await again.GetWorkflowHandle(workflowId).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Completed, description.Status);
        Assert.Equal("before-restart", await description.Memo["deliveryId"].ToValueAsync<string>());

        using var redelivery = await second.Webhooks.PostAsync("pull_request", payload, deliveryId: "before-restart");
        Assert.Equal(HttpStatusCode.Accepted, redelivery.StatusCode);
        Assert.Equal(workflowId, (await redelivery.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId);
        Assert.Single(github.RequestsTo("POST", $"/repos/Codertocat/{repo}/check-runs"));
        Assert.Equal(0, await second.StopAsync());
    }

    [Fact]
    public async Task Without_an_App_serve_starts_in_Setup_mode_and_says_where_to_set_it_up_in_one_line()
    {
        var temporalPort = TestPorts.Free();
        using var serve = await ServeProcess.StartAsync(dataDir, temporalPort, github: null);

        using var refused = await serve.Webhooks.PostAsync("ping", System.Text.Encoding.UTF8.GetBytes("{}"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var setup = $"{serve.Address.ToString().TrimEnd('/')}/setup";
        Assert.Equal($"GitHubBot is not set up: open {setup}", (await refused.Content.ReadFromJsonAsync<WebhookAnswer>())!.Reason);
        Assert.Single(serve.Output.Split('\n'), line => line.Contains("has no GitHub App yet", StringComparison.Ordinal));
        Assert.Contains($"GitHubBot has no GitHub App yet: open {setup}", serve.Output, StringComparison.Ordinal);

        // The embedded Temporal server runs and workers poll it, waiting for the App.
        var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{temporalPort}"));
        var queue = await client.WorkflowService.DescribeTaskQueueAsync(new()
        {
            Namespace = "default",
            TaskQueue = new() { Name = "ghbot" },
            TaskQueueType = TaskQueueType.Activity,
        });
        Assert.NotEmpty(queue.Pollers);
        Assert.Equal(0, await serve.StopAsync());
    }

    /// <summary>`dotnet ghbot.dll serve` from the test's output folder, configured through environment variables.</summary>
    private sealed class ServeProcess : IDisposable
    {
        private readonly Process process;
        private readonly HttpClient http;

        private readonly System.Text.StringBuilder output;

        private ServeProcess(Process process, HttpClient http, System.Text.StringBuilder output)
        {
            this.process = process;
            this.http = http;
            this.output = output;
            Webhooks = new WebhookSender(http, BotHost.Secret);
        }

        public WebhookSender Webhooks { get; }

        public Uri Address => http.BaseAddress!;

        /// <summary>What it wrote so far, standard output and error.</summary>
        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        /// <summary>Starts serve acting as <paramref name="github"/>'s App, or with no App at all (setup mode).</summary>
        public static async Task<ServeProcess> StartAsync(string dataDir, int temporalPort, GitHubFake? github)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "ghbot.dll"), "serve", "--urls", "http://127.0.0.1:0" })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["DataDir"] = dataDir;
            start.Environment["Temporal__EmbeddedPort"] = temporalPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["Temporal__EmbeddedUi"] = "false";
            if (github is not null)
            {
                start.Environment["GitHub__AppId"] = github.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                start.Environment["GitHub__PrivateKey"] = github.PrivateKeyPem;
                start.Environment["GitHub__WebhookSecret"] = BotHost.Secret;
                start.Environment["GitHub__ApiBaseUrl"] = github.ApiBaseUrl.ToString();
            }

            start.Environment["TEMPORAL_CLI_PATH"] = TemporalServerFixture.CliPath();

            var process = Process.Start(start)!;
            var output = new System.Text.StringBuilder();
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                // Kestrel took a free port (--urls ...:0) and says which.
                if (e.Data is { } line && System.Text.RegularExpressions.Regex.Match(line, "Now listening on: (http://127\\.0\\.0\\.1:\\d+)") is { Success: true } match)
                {
                    listening.TrySetResult(new Uri(match.Groups[1].Value));
                }
            };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
            if (first != listening.Task)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"ghbot serve did not start listening (exited: {process.HasExited}):\n{output}");
            }

            var http = new HttpClient { BaseAddress = await listening.Task };
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"ghbot serve exited with {process.ExitCode}:\n{output}");
                }

                try
                {
                    using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
                    if (health.IsSuccessStatusCode)
                    {
                        return new ServeProcess(process, http, output);
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(200);
            }

            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ghbot serve did not become healthy in 60 s:\n{output}");
        }

        /// <summary>SIGTERM, as a service manager stops it; returns the exit code.</summary>
        public async Task<int> StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            http.Dispose();
        }
    }
}

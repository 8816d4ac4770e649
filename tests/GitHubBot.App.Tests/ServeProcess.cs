using System.Diagnostics;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>`dotnet ghbot.dll serve` from the test's output folder, configured through environment variables.</summary>
internal sealed class ServeProcess : IDisposable
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

    /// <summary>The process's ID (its children, such as the embedded Temporal server, have it as their parent).</summary>
    public int ProcessId => process.Id;

    /// <summary>The process's HTTP address (Kestrel's free port).</summary>
    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>What the process wrote so far (its JSON logs).</summary>
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

    /// <summary>A client of the process's HTTP endpoints.</summary>
    public HttpClient Http => http;

    /// <summary>Starts serve acting as <paramref name="github"/>'s App, or with no App at all (setup mode).</summary>
    public static async Task<ServeProcess> StartAsync(string dataDir, int temporalPort, GitHubFake? github, IReadOnlyDictionary<string, string>? environment = null)
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

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
        await TerminateAsync();
        return await ExitCodeAsync();
    }

    /// <summary>Sends SIGTERM without waiting for the process to end.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL (kill -9): no shutdown of any kind; waits until it is gone.</summary>
    public async Task KillAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>Whether the process still runs.</summary>
    public bool Running => !process.HasExited;

    /// <summary>Waits (at most 30 s) for the process to end; returns its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
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

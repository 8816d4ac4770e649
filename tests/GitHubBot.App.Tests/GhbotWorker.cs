using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary><c>dotnet ghbot.dll worker</c> from the test's output folder, acting as <paramref name="github"/>'s App, killable with SIGKILL.</summary>
internal sealed class GhbotWorker : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private GhbotWorker(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool Exited => process.HasExited;

    /// <summary>What the process wrote so far.</summary>
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

    /// <summary>Starts a worker on <paramref name="queue"/> of the Temporal server at <paramref name="address"/>, calling GitHub at <paramref name="apiBaseUrl"/>.</summary>
    public static GhbotWorker Start(string address, string queue, string dataDir, GitHubFake github, Uri apiBaseUrl, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "ghbot.dll"), "worker", "--host", address, "--task-queue", queue })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DataDir"] = dataDir;
        start.Environment["GitHub__AppId"] = github.AppId.ToString(CultureInfo.InvariantCulture);
        start.Environment["GitHub__PrivateKey"] = github.PrivateKeyPem;
        start.Environment["GitHub__ApiBaseUrl"] = apiBaseUrl.ToString();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new GhbotWorker(Process.Start(start) ?? throw new InvalidOperationException("dotnet ghbot.dll worker did not start"));
    }

    /// <summary>SIGKILL of the worker and what it runs (checks, git): no graceful shutdown, nothing flushed.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    private void Add(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

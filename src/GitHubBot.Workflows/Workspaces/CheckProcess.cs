using System.Diagnostics;
using System.Text;
using CliWrap;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>How a check's command ended.</summary>
/// <param name="ExitCode">The exit code; -1 when it was killed.</param>
/// <param name="TimedOut">It ran past its timeout and was killed with its children.</param>
/// <param name="Output">The end of its combined output, at most the cap.</param>
/// <param name="OutputTruncated">Earlier output was dropped to stay within the cap.</param>
/// <param name="Duration">Wall time.</param>
public sealed record ProcessRun(int ExitCode, bool TimedOut, string Output, bool OutputTruncated, TimeSpan Duration);

/// <summary>
/// Runs one check command (<c>/bin/sh -c</c>) in a checkout: killed with its whole process tree on timeout or
/// cancellation, output capped to its last characters so a chatty tool cannot exhaust memory or history, and
/// none of the worker's environment but an allow-list. With a <see cref="RunAs"/> it runs as a user of its own, which
/// cannot read the worker's process or files; without one it runs as the worker's user. Processes that leave the
/// tree (setsid, double fork) outlive the kill; with a <see cref="RunAs"/> the gate kills them by user ID when it ends.
/// </summary>
public static class CheckProcess
{
    public const int DefaultOutputCap = 64 * 1024;

    /// <summary>
    /// The only variables a check inherits from the worker: the worker's own environment holds GitHubBot's secrets
    /// (the App's private key, API keys), and the PR's code runs here.
    /// </summary>
    private static readonly HashSet<string> Inherited = new(StringComparer.Ordinal)
    {
        "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM", "USER", "SHELL", "DOTNET_ROOT", "DOTNET_CLI_TELEMETRY_OPTOUT", "DOTNET_NOLOGO",
    };

    /// <summary>The environment a check sees: the allowed inherited variables plus <paramref name="extra"/>; everything else is removed.</summary>
    public static Dictionary<string, string?> EnvironmentFor(IReadOnlyDictionary<string, string?>? extra)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in System.Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(name => !Inherited.Contains(name)))
        {
            environment[name] = null;
        }

        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires (the process is killed first).</exception>
    public static async Task<ProcessRun> RunAsync(
        string command,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null,
        int outputCap = DefaultOutputCap,
        RunAs? runAs = null,
        CancellationToken cancellationToken = default)
    {
        var output = new TailBuffer(outputCap);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        foreach (var (name, value) in runAs?.Environment ?? [])
        {
            variables[name] = value;
        }

        try
        {
            var result = await (runAs is null ? Cli.Wrap("/bin/sh").WithArguments(["-c", command]) : Cli.Wrap(RunAs.Program).WithArguments(runAs.Wrap("/bin/sh", ["-c", command])))
                .WithWorkingDirectory(workingDirectory)
                .WithEnvironmentVariables(EnvironmentFor(variables))
                .WithValidation(CommandResultValidation.None)
                .WithStandardOutputPipe(PipeTarget.ToDelegate(output.Add))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(output.Add))
                .ExecuteAsync(deadline.Token);
            return new ProcessRun(result.ExitCode, false, output.Text, output.Truncated, clock.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            output.Add($"[GitHubBot] killed after the {timeout} timeout");
            return new ProcessRun(-1, true, output.Text, output.Truncated, clock.Elapsed);
        }
    }

    /// <summary>Keeps the last <c>cap</c> characters of a stream of lines.</summary>
    private sealed class TailBuffer(int cap)
    {
        private readonly Queue<string> lines = new();
        private readonly Lock gate = new();
        private int length;

        public bool Truncated { get; private set; }

        public string Text
        {
            get
            {
                lock (gate)
                {
                    var text = new StringBuilder();
                    if (Truncated)
                    {
                        text.Append("[GitHubBot] earlier output dropped\n");
                    }

                    foreach (var line in lines)
                    {
                        text.Append(line).Append('\n');
                    }

                    return text.ToString();
                }
            }
        }

        public void Add(string line)
        {
            var kept = line.Length > cap ? line[^cap..] : line;
            lock (gate)
            {
                lines.Enqueue(kept);
                length += kept.Length + 1;
                while (length > cap && lines.Count > 1)
                {
                    length -= lines.Dequeue().Length + 1;
                    Truncated = true;
                }
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using CliWrap;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>How a check's command ended.</summary>
/// <param name="ExitCode">The exit code; -1 when it was killed.</param>
/// <param name="TimedOut">It ran past its timeout and was killed with its children.</param>
/// <param name="Output">The end of its combined output, at most the cap.</param>
/// <param name="OutputTruncated">Earlier output was dropped to stay within the cap.</param>
/// <param name="Duration">Wall time.</param>
public sealed record ProcessRun(int ExitCode, bool TimedOut, string Output, bool OutputTruncated, TimeSpan Duration)
{
    /// <summary>The sandbox limit it passed and was stopped for (output, disk written), or null.</summary>
    public string? LimitExceeded { get; init; }
}

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
        bool network = true,
        CancellationToken cancellationToken = default)
    {
        Task<ProcessRun> Once() => RunOnceAsync(command, workingDirectory, timeout, environment, outputCap, runAs, network, cancellationToken);
        return runAs?.Sandbox is null
            ? await Once()
            : await Sandbox.RetryingSetUpAsync(Once, run => Sandbox.SetUpFailed(run.ExitCode, run.Output), cancellationToken);
    }

    private static async Task<ProcessRun> RunOnceAsync(
        string command,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment,
        int outputCap,
        RunAs? runAs,
        bool network,
        CancellationToken cancellationToken)
    {
        var sandbox = runAs?.Sandbox;
        var output = new TailBuffer(outputCap, sandbox?.Limits.OutputBytes ?? long.MaxValue);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        output.Exceeded += () => stop.Cancel();
        deadline.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        foreach (var (name, value) in runAs?.Environment ?? [])
        {
            variables[name] = value;
        }

        var infoFile = sandbox?.NewInfoFile();
        IReadOnlyList<string> line = runAs is null ? ["/bin/sh", "-c", command] : runAs.Command("/bin/sh", ["-c", command], network, infoFile);
        string? stoppedFor = null;
        try
        {
            var cli = Cli.Wrap(line[0]).WithArguments(line.Skip(1))
                .WithWorkingDirectory(workingDirectory)
                .WithEnvironmentVariables(EnvironmentFor(variables))
                .WithValidation(CommandResultValidation.None)
                .WithStandardOutputPipe(output)
                .WithStandardErrorPipe(output);
            var task = sandbox is null ? cli.ExecuteAsync(stop.Token) : SandboxSpawner.Start(() => cli.ExecuteAsync(stop.Token));
            IAsyncDisposable? attached = null;
            Task? watch = null;
            using var watching = new CancellationTokenSource();
            if (sandbox is not null && await Sandbox.ChildAsync(infoFile!, task.ProcessId, TimeSpan.FromSeconds(30), stop.Token) is { } child)
            {
                attached = network ? Sandbox.AttachNetwork(child) : null;
                watch = WatchDiskAsync(child, sandbox.Limits.DiskBytes, () =>
                {
                    stoppedFor = $"it wrote more than {Megabytes(sandbox.Limits.DiskBytes)} to disk";
                    stop.Cancel();
                }, watching.Token);
            }

            try
            {
                var result = await task;
                return new ProcessRun(result.ExitCode, false, output.Text, output.Truncated, clock.Elapsed);
            }
            finally
            {
                await watching.CancelAsync();
                if (watch is not null)
                {
                    await watch;
                }

                if (attached is not null)
                {
                    await attached.DisposeAsync();
                }

                if (infoFile is not null)
                {
                    File.Delete(infoFile);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (deadline.IsCancellationRequested)
            {
                output.Note($"[GitHubBot] killed after the {timeout} timeout");
                return new ProcessRun(-1, true, output.Text, output.Truncated, clock.Elapsed);
            }

            stoppedFor ??= $"it wrote more than {Megabytes(output.Limit)} of output";
            output.Note($"[GitHubBot] stopped with its processes: {stoppedFor}");
            return new ProcessRun(-1, false, output.Text, output.Truncated, clock.Elapsed) { LimitExceeded = stoppedFor };
        }
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB");

    /// <summary>Polls what sandbox <paramref name="child"/> wrote to disk, and calls <paramref name="exceeded"/> once past <paramref name="limit"/>.</summary>
    private static async Task WatchDiskAsync(int child, long limit, Action exceeded, CancellationToken cancellationToken)
    {
        try
        {
            if (Sandbox.NamespaceOf(child) is not { } pidNamespace)
            {
                return;
            }

            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (Sandbox.BytesWritten(pidNamespace) > limit)
                {
                    exceeded();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The command ended.
        }
    }

    /// <summary>
    /// Keeps the last <c>cap</c> characters of a process's combined output, read as bytes (an endless line is no
    /// different from many), and says when more than <c>limit</c> bytes came.
    /// </summary>
    private sealed class TailBuffer(int cap, long limit) : PipeTarget
    {
        private readonly StringBuilder text = new();
        private readonly Lock gate = new();
        private long total;
        private bool told;

        public event Action? Exceeded;

        public long Limit => limit;

        public bool Truncated { get; private set; }

        public string Text
        {
            get
            {
                lock (gate)
                {
                    return (Truncated ? "[GitHubBot] earlier output dropped\n" : string.Empty) + text;
                }
            }
        }

        public void Note(string line)
        {
            lock (gate)
            {
                if (text.Length > 0 && text[^1] != '\n')
                {
                    text.Append('\n');
                }

                text.Append(line).Append('\n');
                Trim();
            }
        }

        public override async Task CopyFromAsync(Stream origin, CancellationToken cancellationToken = default)
        {
            var decoder = Encoding.UTF8.GetDecoder();
            var bytes = new byte[16 * 1024];
            var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            int read;
            while ((read = await origin.ReadAsync(bytes, cancellationToken)) > 0)
            {
                var count = decoder.GetChars(bytes, 0, read, chars, 0);
                bool over;
                lock (gate)
                {
                    text.Append(chars, 0, count);
                    Trim();
                    total += read;
                    over = total > limit && !told;
                    told |= over;
                }

                if (over)
                {
                    Exceeded?.Invoke();
                }
            }
        }

        private void Trim()
        {
            if (text.Length > cap)
            {
                text.Remove(0, text.Length - cap);
                Truncated = true;
            }
        }
    }
}

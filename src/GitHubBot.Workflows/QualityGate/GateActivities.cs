using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.QualityGate;

/// <summary>
/// The quality gate's work on code: check out the PR's head, run one check in a worktree of its own, apply fixes,
/// clean up. Every step that can take long heartbeats, so a cancelled gate stops its processes within seconds and a
/// lost worker is noticed. Each step checks the commit out again when its worker does not have it (another worker
/// of the same queue may have prepared it), so steps need not share a machine.
/// </summary>
public sealed partial class GateActivities(IGitHubClients clients, WorkspaceOptions options, AgentModel model, ILogger<GateActivities> logger)
{
    /// <summary>The largest report file read; a bigger one is a failed check saying so.</summary>
    public const long MaxReportBytes = 32L * 1024 * 1024;

    /// <summary>How much of a check's output its summary shows.</summary>
    public const int OutputInSummary = 8 * 1024;

    /// <summary>How much of a fix's diff comes back to the workflow (and into a fork's comment).</summary>
    public const int MaxDiff = 48 * 1024;

    /// <summary>The longest message a finding keeps (a check hands back <see cref="GitHubText.MaxAnnotationsPerCheckRun"/> at most).</summary>
    public const int MaxAnnotationMessage = 1000;

    /// <summary>The most files one check's report path yields.</summary>
    public const int MaxReportFiles = 64;

    /// <summary>The most files looked at when a report path is searched.</summary>
    public const int MaxFilesSearched = 20_000;

    private static readonly char[] GlobCharacters = ['*', '?', '[', '{'];

    /// <summary>The longest report summary kept (the output's tail comes on top).</summary>
    public const int MaxReportSummary = 16 * 1024;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    /// <summary>Checks the commit out and decides which checks run: the configured ones, else those detected from the files.</summary>
    [Activity]
    public async Task<QualityGateConfig> PrepareWorkspaceAsync(PrepareWorkspaceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (files, texts) = await Heartbeats.RunAsync(async token =>
        {
            var checkout = await EnsureCheckoutAsync(request.Workspace, token);
            var runAs = RunAsFor(request.Workspace.Key);
            var files = await GitWorkspace.ListFilesAsync(checkout, runAs, token);
            var texts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var manifest in CheckDetection.ManifestsToRead(files))
            {
                if (await ReadFileAsync(Path.Combine(checkout, manifest), CheckDetection.MaxManifestBytes, runAs, token) is { } text)
                {
                    texts[manifest] = text;
                }
            }

            return (files, texts);
        });
        return QualityGateConfig.From(request.ResolveGate(), files, texts) with { AgentsAvailable = model.Chat is not null };
    }

    /// <summary>
    /// Runs one check in a fresh worktree of the checkout: stale reports removed, the command run with its timeout
    /// (killed with its children on timeout or cancellation), its report read and parsed.
    /// </summary>
    [Activity]
    public async Task<CheckRunResult> RunCheckAsync(RunCheckRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var attempt = ActivityExecutionContext.Current.Info.Attempt;
        return await Heartbeats.RunAsync(token => RunCheckAsync(request, attempt, token));
    }

    /// <summary>
    /// Runs the fix commands one after another in the checkout; when they changed files, commits the change as the
    /// App and pushes it to the PR's branch (same-repository PRs), or only hands back the diff (forks).
    /// </summary>
    [Activity]
    public async Task<ApplyFixesResult> ApplyFixesAsync(ApplyFixesRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await Heartbeats.RunAsync(token => ApplyFixesAsync(request, token));
    }

    private async Task<ApplyFixesResult> ApplyFixesAsync(ApplyFixesRequest request, CancellationToken cancellationToken)
    {
        var checkout = await EnsureCheckoutAsync(request.Workspace, cancellationToken);
        var runAs = RunAsFor(request.Workspace.Key);
        var slug = await clients.AppSlugAsync();
        var author = ($"{slug}[bot]", $"{slug}[bot]@users.noreply.github.com");
        if (await GitWorkspace.HeadAuthorEmailAsync(checkout, runAs, cancellationToken) == author.Item2)
        {
            // The head is a fixes commit GitHubBot pushed: fixing it again could loop.
            return new ApplyFixesResult([], [], null, null, null) { NotAttempted = "The head is GitHubBot's own fixes commit, so it is not fixed again." };
        }

        var applied = new List<string>();
        var failed = new List<string>();
        foreach (var fix in request.Fixes)
        {
            var before = await GitWorkspace.StatusAsync(checkout, runAs, cancellationToken);
            var run = await CheckProcess.RunAsync(fix.Command, checkout, fix.Timeout, cancellationToken: cancellationToken, runAs: runAs);
            if (run.TimedOut || run.ExitCode != 0)
            {
                failed.Add(run.TimedOut ? $"{fix.Check}: `{fix.Command}` ran out of time" : $"{fix.Check}: `{fix.Command}` exited with {run.ExitCode}");
            }

            if (await GitWorkspace.StatusAsync(checkout, runAs, cancellationToken) != before)
            {
                applied.Add(fix.Check);
            }
        }

        if (applied.Count == 0)
        {
            return new ApplyFixesResult([], failed, null, null, null);
        }

        var diff = await GitWorkspace.StageAllAsync(checkout, runAs, cancellationToken);
        var shownDiff = diff.Length > MaxDiff ? diff[..MaxDiff] + "\n[diff cut: it is longer than GitHub comments allow]\n" : diff;
        if (request.ReturnEdits)
        {
            var edits = await StagedEditsAsync(checkout, runAs, cancellationToken);
            return new ApplyFixesResult(applied, failed, shownDiff, null, null) { Edits = edits ?? [], EditsUnavailable = edits is null };
        }

        if (!request.Push)
        {
            return new ApplyFixesResult(applied, failed, shownDiff, null, null);
        }

        // The fix commands are the PR's code: what they changed is pushed as the App only where an agent's edit could go.
        if ((await GitWorkspace.StagedAsync(checkout, runAs, cancellationToken)).FirstOrDefault(c => !Pushable(c)) is { } refused)
        {
            return new ApplyFixesResult(applied, failed, shownDiff, null, $"the fix commands changed `{refused.Path}`, which GitHubBot does not push (links, submodules, CI workflows, CODEOWNERS and its own configuration are left to people)");
        }

        var message = $"GitHubBot: apply fixes ({string.Join(", ", applied)})\n\nFix commands run by the quality gate of {Shas.Abbreviate(request.Workspace.HeadSha)}.";
        var cloneUrl = new Uri(request.Workspace.CloneUrl);
        var token = await clients.GitTokenAsync(cloneUrl, request.Workspace.Target, GitHubAccess.Push, cancellationToken);
        string sha;
        try
        {
            // Committed and pushed from a repository of the worker's own, outside the PR code's reach.
            var scratch = Path.Combine(WorkerDirectory(), request.Workspace.Key);
            try
            {
                sha = await GitWorkspace.CommitAndPushAsync(scratch, cloneUrl, request.Workspace.HeadSha, diff, message, author, request.Branch, token, cancellationToken);
            }
            finally
            {
                GitWorkspace.Remove(scratch);
            }
        }
        catch (GitCommandException ex)
        {
            LogPushFailed(logger, request.Branch, ex.Message);
            return new ApplyFixesResult(applied, failed, shownDiff, null, ex.Message);
        }

        LogPushed(logger, applied.Count, request.Branch, sha);
        return new ApplyFixesResult(applied, failed, shownDiff, sha, null);
    }

    /// <summary>Whether a staged change of the fix commands may be pushed as the App: a plain file inside the repository, not one GitHubBot leaves to people.</summary>
    private static bool Pushable(StagedChange change)
    {
        var path = Edits.NormalizePath(change.Path);
        return Edits.InsideRepository(path) && !Edits.Protected(path) && (change.Status == 'D' || change.Mode is "100644" or "100755");
    }

    /// <summary>Removes the gate's workspace (its checkout and any worktrees left behind).</summary>
    [Activity]
    public async Task RemoveWorkspaceAsync(string key)
    {
        var directory = WorkspaceDirectory(key);
        await RemoveWorkspaceDirectoryAsync(key, directory, CancellationToken.None);
        File.Delete(ReadyMarker(key));
        File.Delete(DiffFile(key));
        Locks.TryRemove(key, out _);
    }

    /// <summary>
    /// Removes a workspace. When it belongs to a user of its own, every process of that user is killed first
    /// (including ones that left their check's process tree), then its files are removed as that user, and its user
    /// ID is given back.
    /// </summary>
    private async Task RemoveWorkspaceDirectoryAsync(string key, string directory, CancellationToken cancellationToken)
    {
        if (options.Users() is { } users && options.RunAsFor(key) is { SwitchesUser: true } user)
        {
            await CheckUsers.KillAllAsync(user, cancellationToken);
            await CheckUsers.RemoveAsync(directory, user, cancellationToken);
            users.Release(key);
        }
        else
        {
            GitWorkspace.Remove(directory);
        }
    }

    /// <summary>Removes a directory inside a workspace (a check's worktree), as the workspace's user when it has one.</summary>
    private static Task RemoveInWorkspaceAsync(string path, RunAs? runAs, CancellationToken cancellationToken)
    {
        if (runAs is not { SwitchesUser: true })
        {
            GitWorkspace.Remove(path);
            return Task.CompletedTask;
        }

        return CheckUsers.RemoveAsync(path, runAs, cancellationToken);
    }

    private RunAs? RunAsFor(string key) => options.RunAsFor(key);

    /// <summary>The checkout of the workspace, fetched on first use (once per worker, however many checks ask at once).</summary>
    private async Task<string> EnsureCheckoutAsync(WorkspaceRef workspace, CancellationToken cancellationToken)
    {
        var directory = WorkspaceDirectory(workspace.Key);
        var checkout = Path.Combine(directory, "src");
        var ready = ReadyMarker(workspace.Key);
        await WithLockAsync(workspace.Key, async token =>
        {
            if (File.Exists(ready))
            {
                return;
            }

            await RemoveWorkspaceDirectoryAsync(workspace.Key, directory, token);
            var users = options.Users();
            if (users is not null && !OperatingSystem.IsWindows())
            {
                // Private from the start: other gates' users must not open it while the commit is fetched.
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var cloneUrl = Uri.TryCreate(workspace.CloneUrl, UriKind.Absolute, out var url)
                ? url
                : throw new ApplicationFailureException($"'{workspace.CloneUrl}' is not a clone URL.", errorType: "InvalidRequest", nonRetryable: true);
            var gitToken = await clients.GitTokenAsync(cloneUrl, workspace.Target, GitHubAccess.ReadCode, token);
            try
            {
                await GitWorkspace.CheckoutAsync(cloneUrl, workspace.HeadSha, checkout, gitToken, token);
            }
            catch (GitCommandException ex) when (ex.Message.StartsWith("clone URLs", StringComparison.Ordinal) || ex.Message.Contains("is not a full commit SHA", StringComparison.Ordinal))
            {
                throw new ApplicationFailureException(ex.Message, errorType: "InvalidRequest", nonRetryable: true);
            }

            // Taken before any of the PR's code runs (and while the worker still owns the checkout), and kept outside
            // the workspace, where no check can write.
            await WriteDiffAsync(workspace, checkout, cloneUrl, gitToken, token);

            Directory.CreateDirectory(Path.Combine(directory, "checks"));
            Directory.CreateDirectory(Path.Combine(directory, "home", "tmp"));
            if (users?.Acquire(workspace.Key) is { } runAs)
            {
                // From here on the workspace belongs to the PR code's user; the worker only reads it through that user.
                Directory.CreateDirectory(Path.Combine(runAs.Home, "tmp"));
                var uid = runAs.Uid.ToString(CultureInfo.InvariantCulture);
                await Cli.Wrap("chown").WithArguments(["-R", "--no-dereference", $"{uid}:{uid}", "--", directory]).ExecuteAsync(token);
                if (!OperatingSystem.IsWindows())
                {
                    // Each gate's user may enter its own workspace, not list or enter the others'.
                    File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    File.SetUnixFileMode(
                        Path.GetFullPath(options.Root),
                        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                }
            }

            // Outside the workspace, so the PR's code cannot make a later step check out again.
            await File.WriteAllTextAsync(ready, workspace.HeadSha, token);
        }, cancellationToken);
        return checkout;
    }

    /// <summary>The files inside <paramref name="worktree"/> that a report path (a glob such as <c>out/*.trx</c>) names.</summary>
    private static List<string> ReportFiles(string worktree, string? reportPath)
    {
        if (string.IsNullOrWhiteSpace(reportPath) || Path.IsPathRooted(reportPath))
        {
            return [];
        }

        // Only the folder before the pattern's first wildcard is searched, and no symbolic link is ever followed: the
        // PR's code wrote this tree, and a link loop or a link to / must not keep the worker walking.
        var root = Path.GetFullPath(worktree) + Path.DirectorySeparatorChar;
        var segments = reportPath.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var fixedPart = string.Join('/', segments.TakeWhile(segment => segment.IndexOfAny(GlobCharacters) < 0).Take(segments.Length - 1));
        var start = Path.GetFullPath(Path.Combine(root, fixedPart));
        if (!(start + Path.DirectorySeparatorChar).StartsWith(root, StringComparison.Ordinal) || !Directory.Exists(start) || ThroughLink(start + Path.DirectorySeparatorChar, root))
        {
            return [];
        }

        var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, MaxRecursionDepth = 16, IgnoreInaccessible = true };
        var found = Directory.EnumerateFiles(start, "*", walk).Take(MaxFilesSearched).Select(path => Path.GetRelativePath(root, path).Replace('\\', '/')).ToList();
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(reportPath);
        return matcher.Match(root, found).Files
            .Select(match => Path.GetFullPath(Path.Combine(root, match.Path)))
            .Where(path => path.StartsWith(root, StringComparison.Ordinal) && !ThroughLink(path, root))
            .Order(StringComparer.Ordinal)
            .Take(MaxReportFiles)
            .ToList();
    }

    /// <summary>Whether a directory between <paramref name="root"/> and <paramref name="path"/> is a symbolic link (which could lead outside).</summary>
    private static bool ThroughLink(string path, string root)
    {
        for (var directory = Path.GetDirectoryName(path); directory is not null && directory.Length >= root.Length; directory = Path.GetDirectoryName(directory))
        {
            if (new DirectoryInfo(directory).LinkTarget is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A file the PR's code wrote, or null when it is not a regular file within <paramref name="maxBytes"/>. With a
    /// <see cref="RunAs"/> it is read as that user, so a link to a file only the worker may read yields nothing.
    /// </summary>
    private static async Task<string?> ReadFileAsync(string path, long maxBytes, RunAs? runAs, CancellationToken cancellationToken)
    {
        if (runAs is null)
        {
            var info = new FileInfo(path);
            return info is { Exists: true, LinkTarget: null } && info.Length <= maxBytes ? await File.ReadAllTextAsync(path, cancellationToken) : null;
        }

        var line = runAs.Command("/usr/bin/head", ["-c", (maxBytes + 1).ToString(CultureInfo.InvariantCulture), "--", path]);
        var read = await Sandbox.RetryingSetUpAsync(
            async () => await Cli.Wrap(line[0])
                .WithArguments(line.Skip(1))
                .WithEnvironmentVariables(CheckProcess.EnvironmentFor(runAs.Environment))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken),
            result => runAs.Sandbox is not null && Sandbox.SetUpFailed(result.ExitCode, result.StandardError),
            cancellationToken);
        // As File.ReadAllText does: a byte-order mark (which .NET's TRX writer puts first) is not text.
        var text = read.StandardOutput.StartsWith('\uFEFF') ? read.StandardOutput[1..] : read.StandardOutput;
        return read.ExitCode == 0 && text.Length <= maxBytes ? text : null;
    }

    /// <summary>Deletes files in the workspace (stale reports), as the workspace's user when there is one.</summary>
    private static async Task DeleteAsync(List<string> files, RunAs? runAs, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return;
        }

        if (runAs is null)
        {
            foreach (var file in files)
            {
                File.Delete(file);
            }

            return;
        }

        var line = runAs.Command("/bin/rm", ["-f", "--", .. files]);
        await Cli.Wrap(line[0]).WithArguments(line.Skip(1))
            .WithEnvironmentVariables(CheckProcess.EnvironmentFor(runAs.Environment))
            .ExecuteAsync(cancellationToken);
    }

    /// <summary>Says a workspace's checkout is complete; kept beside the workspaces, where no check can write.</summary>
    private string ReadyMarker(string key) => Path.Combine(WorkerDirectory(), $"{key}.ready");

    /// <summary>The worker's own directory beside the workspaces (markers, push repositories), created private.</summary>
    private string WorkerDirectory()
    {
        var directory = options.WorkerDirectory;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return directory;
    }

    /// <summary>
    /// Text that leaves the worker (a check run, a comment) with the worker's own paths taken out: the check's worktree
    /// becomes <c>.</c> and the workspaces' root <c>$WORKSPACES</c>.
    /// </summary>
    private string Scrub(string text, string worktree)
    {
        var root = Path.GetFullPath(options.Root).TrimEnd(Path.DirectorySeparatorChar);
        return text
            .Replace(Path.GetFullPath(worktree).TrimEnd(Path.DirectorySeparatorChar), ".", StringComparison.Ordinal)
            .Replace(root, "$WORKSPACES", StringComparison.Ordinal);
    }

    private static string OutputBlock(ProcessRun run)
    {
        if (string.IsNullOrWhiteSpace(run.Output))
        {
            return string.Empty;
        }

        var output = run.Output.Length > OutputInSummary ? "…" + run.Output[^OutputInSummary..] : run.Output;
        return $"\n\n<details><summary>Output (last lines)</summary>\n\n```text\n{output.Replace("```", "`\u200b``", StringComparison.Ordinal).TrimEnd()}\n```\n</details>";
    }

    private string WorkspaceDirectory(string key)
    {
        if (!WorkspaceKey().IsMatch(key))
        {
            throw new ApplicationFailureException($"'{key}' is not a workspace key.", errorType: "InvalidRequest", nonRetryable: true);
        }

        return Path.Combine(Path.GetFullPath(options.Root), key);
    }

    private static string SafeName(string name) => NotSafe().Replace(name, "_");

    private static async Task WithLockAsync(string key, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var gate = Locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await action(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Check {Check} exited with {ExitCode} after {Duration} (timed out: {TimedOut})")]
    private static partial void LogCheckEnded(ILogger logger, string check, int exitCode, TimeSpan duration, bool timedOut);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing fixes to {Branch} failed: {Reason}")]
    private static partial void LogPushFailed(ILogger logger, string branch, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed {Count} fixes to {Branch} as {Sha}")]
    private static partial void LogPushed(ILogger logger, int count, string branch, string sha);

    [GeneratedRegex("^[A-Za-z0-9-]{1,80}$")]
    private static partial Regex WorkspaceKey();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex NotSafe();
}

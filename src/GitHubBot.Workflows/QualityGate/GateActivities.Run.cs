using System.Globalization;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.Logging;

namespace GitHubBot.Workflows.QualityGate;

/// <summary>One check: its tools looked for, its command run in a worktree of its own, its report read; the built-in secret scan.</summary>
public sealed partial class GateActivities
{
    /// <summary>The most of a PR's diff the secret scan and changed-line coverage read.</summary>
    public const int MaxDiffBytes = 16 * 1024 * 1024;

    /// <summary>The most files of a PR's diff read.</summary>
    public const int MaxDiffFiles = 20_000;

    /// <summary>The most added lines of a PR's diff read.</summary>
    public const int MaxDiffLines = 500_000;

    /// <summary>How long looking for one tool may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    private async Task<CheckRunResult> RunCheckAsync(RunCheckRequest request, int attempt, CancellationToken cancellationToken)
    {
        var check = request.Check;
        if (check.Unavailable is { } unavailable)
        {
            return Neutral(check, unavailable);
        }

        var checkout = await EnsureCheckoutAsync(request.Workspace, cancellationToken);
        if (check.Run == CheckConfig.SecretScan)
        {
            return await SecretScanAsync(request.Workspace, check, cancellationToken);
        }

        var runAs = RunAsFor(request.Workspace.Key);
        var worktree = Path.Combine(WorkspaceDirectory(request.Workspace.Key), "checks", $"{SafeName(check.Name)}-{attempt}");
        await RemoveInWorkspaceAsync(worktree, runAs, cancellationToken);
        await WithLockAsync(request.Workspace.Key, token => GitWorkspace.AddWorktreeAsync(checkout, worktree, runAs, token), cancellationToken);
        try
        {
            foreach (var tool in check.Requires)
            {
                var probe = await CheckProcess.RunAsync(tool.Probe, worktree, ProbeTimeout, runAs: runAs, network: false, cancellationToken: cancellationToken);
                if (probe.TimedOut || probe.ExitCode != 0)
                {
                    var missing = $"`{tool.Tool}` is not installed on this worker, so {check.Name.Replace('_', ' ')} could not run. Install it: {tool.Install}.";
                    if (!check.WithSecretScan)
                    {
                        return Neutral(check, missing);
                    }

                    var scan = await SecretScanAsync(request.Workspace, check, cancellationToken);
                    return scan with { Summary = $"{missing} The built-in secret scan ran instead.\n\n{scan.Summary}" };
                }
            }

            await DeleteAsync(ReportFiles(worktree, check.ReportPath), runAs, cancellationToken);
            var run = await CheckProcess.RunAsync(check.Run, worktree, check.Timeout, runAs: runAs, network: check.Network, cancellationToken: cancellationToken);
            LogCheckEnded(logger, check.Name, run.ExitCode, run.Duration, run.TimedOut);
            if (run.TimedOut)
            {
                return new CheckRunResult(
                    check.Name,
                    CheckState.TimedOut,
                    0,
                    Scrub(string.Create(CultureInfo.InvariantCulture, $"`{check.Run}` ran past its {check.Timeout} timeout and was stopped with its child processes.{OutputBlock(run)}"), worktree),
                    [],
                    null,
                    run.Duration.TotalSeconds);
            }

            if (run.LimitExceeded is { } limit)
            {
                return new CheckRunResult(
                    check.Name,
                    CheckState.Failed,
                    0,
                    Scrub($"`{check.Run}` was stopped with its child processes: {limit}, more than its sandbox allows.{OutputBlock(run)}", worktree),
                    [],
                    null,
                    run.Duration.TotalSeconds);
            }

            var report = await ReadReportAsync(check, worktree, run, runAs, cancellationToken);
            var changed = report.Lines.Count > 0 && await ReadDiffAsync(request.Workspace.Key, cancellationToken) is { } diff
                ? ChangedLineCoverage.Compute(report.Lines, diff.Added)
                : null;
            if (check.WithSecretScan)
            {
                report = ReportParser.Combine([report, await SecretReportAsync(request.Workspace, cancellationToken)]);
            }

            // Results travel through the workflow's history: bounded, however much a tool reports.
            var annotations = Bounded(report.Annotations);
            var dropped = report.Annotations.Count - annotations.Count;
            var summary = GitHubText.Truncate(report.Summary, MaxReportSummary)
                + (changed is null ? string.Empty : $"\n\n{ChangedLineCoverage.Describe(changed)}")
                + (dropped > 0 ? $"\n\n{dropped} more findings are not shown." : string.Empty);
            return new CheckRunResult(
                check.Name,
                report.Neutral ? CheckState.Neutral : report.Passed ? CheckState.Passed : CheckState.Failed,
                report.Score,
                Scrub($"`{check.Run}` — {summary}{OutputBlock(run)}", worktree),
                [.. annotations.Select(a => a with { Message = Scrub(a.Message, worktree) })],
                report.CoveragePercent,
                run.Duration.TotalSeconds)
            {
                ChangedLines = changed,
            };
        }
        finally
        {
            await RemoveInWorkspaceAsync(worktree, runAs, CancellationToken.None);
        }
    }

    /// <summary>The built-in secret scan: the lines the PR adds, read from the diff taken before any of its code ran.</summary>
    private async Task<CheckRunResult> SecretScanAsync(WorkspaceRef workspace, CheckConfig check, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = await SecretReportAsync(workspace, cancellationToken);
        return new CheckRunResult(
            check.Name,
            report.Neutral ? CheckState.Neutral : report.Passed ? CheckState.Passed : CheckState.Failed,
            report.Score,
            report.Neutral ? report.Summary : $"Built-in secret scan of the lines this PR adds — {report.Summary}",
            Bounded(report.Annotations),
            null,
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The secret scan's report: neutral when there is no diff to scan; failed when the diff is larger than what is
    /// read, since the part not read could hold a key.
    /// </summary>
    private async Task<CheckReport> SecretReportAsync(WorkspaceRef workspace, CancellationToken cancellationToken)
    {
        if (await ReadDiffAsync(workspace.Key, cancellationToken) is not { } diff)
        {
            return new CheckReport(false, 0, workspace.BaseSha is null
                ? "The PR's base commit is not known, so there is no diff to scan for secrets."
                : $"The PR's diff against `{workspace.BaseSha[..Math.Min(7, workspace.BaseSha.Length)]}` could not be taken, so nothing was scanned for secrets.", [])
            { Neutral = true };
        }

        var report = SecretScanner.Scan(diff.Added);
        return diff.Cut
            ? report with
            {
                Passed = false,
                Score = 0,
                Summary = string.Create(CultureInfo.InvariantCulture, $"{report.Summary} The PR's diff is larger than the scan reads ({MaxDiffBytes / 1024 / 1024} MiB, {MaxDiffFiles} files, {MaxDiffLines} added lines), so the rest was not scanned: split the PR, or configure a scanner."),
            }
            : report;
    }

    private static CheckRunResult Neutral(CheckConfig check, string why) =>
        new(check.Name, CheckState.Neutral, 0, why, [], null, 0);

    private static List<Annotation> Bounded(IReadOnlyList<Annotation> annotations) =>
        [.. annotations.Take(GitHubText.MaxAnnotationsPerCheckRun).Select(a => a with
        {
            Message = GitHubText.Truncate(a.Message, MaxAnnotationMessage),
            Title = a.Title is null ? null : GitHubText.Truncate(a.Title, 255),
        })];

    /// <summary>Takes the PR's diff into the worker's own directory (see <see cref="GitWorkspace.ChangeAsync"/>); a failure is logged, and the checks that need it say so.</summary>
    private async Task WriteDiffAsync(WorkspaceRef workspace, string checkout, Uri cloneUrl, string? gitToken, CancellationToken cancellationToken)
    {
        var file = DiffFile(workspace.Key);
        File.Delete(file);
        if (workspace.BaseSha is not { Length: > 0 } baseSha)
        {
            return;
        }

        try
        {
            await GitWorkspace.ChangeAsync(checkout, cloneUrl, gitToken, workspace.HeadSha, baseSha, file, cancellationToken);
        }
        catch (GitCommandException ex)
        {
            File.Delete(file);
            LogDiffFailed(logger, baseSha, ex.Message);
        }
    }

    /// <summary>The lines the PR adds, by file (at most <see cref="MaxDiffBytes"/> of its diff read); null when its diff was not taken.</summary>
    private async Task<(IReadOnlyDictionary<string, IReadOnlyList<AddedLine>> Added, bool Cut)?> ReadDiffAsync(string key, CancellationToken cancellationToken)
    {
        var file = new FileInfo(DiffFile(key));
        if (!file.Exists)
        {
            return null;
        }

        // UTF-8 never has more characters than bytes: a buffer the file's size (at most the limit) holds what is read.
        var buffer = new char[(int)Math.Min(file.Length, MaxDiffBytes)];
        using var reader = new StreamReader(file.FullName);
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        var text = new string(buffer, 0, read);
        var added = UnifiedDiff.AddedLines(text, MaxDiffFiles, MaxDiffLines);
        var cut = file.Length > MaxDiffBytes || added.Count >= MaxDiffFiles || added.Values.Sum(l => l.Count) >= MaxDiffLines;
        return (added, cut);
    }

    /// <summary>Checks a workspace out (for a caller that runs checks itself, such as a fix's verification).</summary>
    internal Task CheckOutAsync(WorkspaceRef workspace, CancellationToken cancellationToken) => EnsureCheckoutAsync(workspace, cancellationToken);

    /// <summary>Gives workspace <paramref name="to"/> the diff workspace <paramref name="from"/> took (when this worker holds it).</summary>
    internal async Task AdoptDiffAsync(string from, string to, CancellationToken cancellationToken)
    {
        _ = WorkspaceDirectory(from);
        _ = WorkspaceDirectory(to);
        if (File.Exists(DiffFile(from)))
        {
            await File.WriteAllTextAsync(DiffFile(to), await File.ReadAllTextAsync(DiffFile(from), cancellationToken), cancellationToken);
        }
    }

    private string DiffFile(string key) => Path.Combine(WorkerDirectory(), $"{key}.diff");

    private static async Task<CheckReport> ReadReportAsync(CheckConfig check, string worktree, ProcessRun run, RunAs? runAs, CancellationToken cancellationToken)
    {
        var output = run.Output.Length > OutputInSummary ? run.Output[^OutputInSummary..] : run.Output;
        if (check.Report == ReportFormat.ExitCode)
        {
            return ReportParser.Parse(ReportFormat.ExitCode, null, run.ExitCode, worktree, output);
        }

        var files = ReportFiles(worktree, check.ReportPath).ToList();
        if (files.Count == 0)
        {
            return ReportParser.Parse(check.Report, null, run.ExitCode, worktree, output);
        }

        var reports = new List<CheckReport>();
        foreach (var file in files)
        {
            var text = await ReadFileAsync(file, MaxReportBytes, runAs, cancellationToken);
            reports.Add(text is null
                ? new CheckReport(false, 0, $"{Path.GetRelativePath(worktree, file)} was not read: reports must be regular files under {MaxReportBytes / 1024 / 1024} MiB.", [])
                : ReportParser.Parse(check.Report, text, run.ExitCode, worktree, output));
        }

        return ReportParser.Combine(reports);
    }

    /// <summary>
    /// The staged change as whole-file edits, read from git's objects (not the working tree the PR's code could have
    /// linked elsewhere); null when it is larger than an agent's change may be, or holds links or submodules.
    /// </summary>
    private static async Task<List<FileEdit>?> StagedEditsAsync(string checkout, RunAs? runAs, CancellationToken cancellationToken)
    {
        var edits = new List<FileEdit>();
        var total = 0;
        foreach (var change in await GitWorkspace.StagedAsync(checkout, runAs, cancellationToken))
        {
            if (change.Status == 'D')
            {
                edits.Add(new FileEdit(change.Path, Delete: true));
                continue;
            }

            if (!Pushable(change))
            {
                return null;
            }

            var text = await GitWorkspace.BlobAsync(checkout, change.Blob, AgentSession.MaxChangeBytes - total, runAs, cancellationToken);
            if (text is null)
            {
                return null;
            }

            total += text.Length;
            edits.Add(new FileEdit(change.Path, Content: text));
        }

        return edits;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The diff against the PR's base {BaseSha} could not be taken: {Reason}")]
    private static partial void LogDiffFailed(ILogger logger, string baseSha, string reason);
}

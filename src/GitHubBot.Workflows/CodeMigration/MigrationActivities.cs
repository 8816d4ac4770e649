using System.Globalization;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;

namespace GitHubBot.Workflows.CodeMigration;

/// <summary>
/// A code migration's work on the repository: the analysis (manifests and versions, files that use what is
/// migrated, uses of APIs that change, the recipe's bumps with their lock files) and a step's verification (the
/// patches committed locally, the gate's checks run on that commit, the step's acceptance searched). Both heartbeat
/// and stay within bounds, however large the repository.
/// </summary>
public sealed partial class MigrationActivities(RepoSnapshots snapshots, GateActivities gate, WorkspaceOptions options, AgentModel model, ILogger<MigrationActivities> logger)
{
    /// <summary>The most source files the analysis reads.</summary>
    public const int MaxScannedFiles = 20_000;

    /// <summary>The most bytes of source the analysis reads in all.</summary>
    public const long MaxScannedBytes = 128L * 1024 * 1024;

    /// <summary>The most files listed as affected.</summary>
    public const int MaxAffectedFiles = 500;

    /// <summary>The largest lock file the recipe carries (patches travel through the run's history).</summary>
    public const long MaxLockBytes = 400 * 1024;

    /// <summary>The most lock files one recipe updates.</summary>
    public const int MaxLockFiles = 10;

    /// <summary>
    /// npm updating a lock file from package.json alone: no install, no scripts, no configuration but its defaults
    /// (the user and global configuration are two empty files of GitHubBot's; the repository's are removed), no git
    /// dependencies fetched.
    /// </summary>
    private static string NpmLockCommand(string emptyUser, string emptyGlobal) =>
        $"npm install --package-lock-only --ignore-scripts --no-audit --no-fund --prefer-offline --update-notifier=false --loglevel=error --git=false --userconfig='{emptyUser}' --globalconfig='{emptyGlobal}'";

    /// <summary>How long the package manager may take to update a lock file.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How long the package manager may take for all the lock files (the analysis has 20 minutes in all).</summary>
    public static readonly TimeSpan LocksTimeout = TimeSpan.FromMinutes(10);

    private static readonly string[] SourceExtensions =
        [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte", ".cs", ".fs", ".vb", ".razor", ".cshtml", ".py", ".pyi"];

    /// <summary>Reads the commit and works out what the migration touches; the recipe's bumps come back as one patch.</summary>
    [Activity]
    public Task<MigrationAnalysis> AnalyzeAsync(AnalyzeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Heartbeats.RunAsync(token => AnalyzeAsync(request, token));
    }

    private async Task<MigrationAnalysis> AnalyzeAsync(AnalyzeRequest request, CancellationToken token)
    {
        var subject = MigrationRecipes.Subject(request.MigrationType);
        var notes = new List<string>();
        var sources = new List<string>();

        // One listing, one read: the manifests first (the recipe needs them all), then the source files.
        var files = await snapshots.ReadManyAsync(request.Snapshot, request.Snapshot.Sha, tree =>
        {
            sources.AddRange(tree.Where(p => SourceExtensions.Contains(Path.GetExtension(p), StringComparer.OrdinalIgnoreCase) && !Vendored(p)));
            if (sources.Count > MaxScannedFiles)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"The repository has {sources.Count} source files; the first {MaxScannedFiles} were read."));
                sources.RemoveRange(MaxScannedFiles, sources.Count - MaxScannedFiles);
            }

            return tree.Where(MigrationRecipes.IsManifest).Concat(sources);
        }, MaxScannedBytes, token);
        var manifests = files.Texts.Where(f => MigrationRecipes.IsManifest(f.Key)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var recipe = MigrationRecipes.Bump(subject, request.From, request.To, manifests);
        notes.AddRange(recipe.Notes);
        var texts = files.Texts;
        var changes = MigrationRecipes.KnownApiChanges(subject, request.From, request.To);
        var affected = new List<(string Path, int Uses)>();
        var usages = new List<ApiUsage>();
        foreach (var path in sources)
        {
            if (!texts.TryGetValue(path, out var text))
            {
                continue;
            }

            var uses = 0;
            foreach (var change in changes)
            {
                var count = Occurrences(text, change.Old);
                if (count > 0)
                {
                    usages.Add(new ApiUsage(path, change.Old, count));
                    uses += count;
                }
            }

            if (uses > 0 || MigrationRecipes.References(subject, path, text))
            {
                affected.Add((path, uses));
            }
        }

        Patch? patch = null;
        var diff = string.Empty;
        if (recipe.Changes)
        {
            var message = $"Bump {subject.Type} to {request.To}\n\nA recipe of GitHubBot: versions in {recipe.Edits.Count} manifests.\n\n{MigrationTexts.StepTrailer}: {MigrationPlanning.RecipeStepId}";
            patch = new Patch(message, recipe.Edits, request.When);
            var locks = await LockFilesAsync(request.Snapshot, patch, files.Tree, notes, token);
            patch = patch with { Edits = [.. patch.Edits, .. locks] };
            var sha = await snapshots.CommitAsync(request.Snapshot, [patch], ("GitHubBot", "ghbot@localhost"), token);
            diff = await snapshots.DiffAsync(request.Snapshot, sha, 30_000, token);
        }

        var complexity = affected.Count <= 5 && usages.Count <= 10 ? "low" : affected.Count <= 30 && usages.Count <= 100 ? "medium" : "high";
        var scanned = sources.Count(texts.ContainsKey);
        LogAnalyzed(logger, files.Tree.Count, scanned, affected.Count, recipe.Edits.Count);
        return new MigrationAnalysis(
            files.Tree.Count,
            scanned,
            recipe.Found,
            [.. affected.OrderByDescending(a => a.Uses).ThenBy(a => a.Path, StringComparer.Ordinal).Take(MaxAffectedFiles).Select(a => a.Path)],
            [.. usages.Take(MaxAffectedFiles)],
            complexity,
            patch,
            diff,
            notes)
        {
            Kind = subject.Kind,
            AgentsAvailable = model.Chat is not null,
        };
    }

    /// <summary>
    /// Commits the patches locally, runs the gate's checks on that commit (the configured or detected ones the step
    /// needs: unit and integration tests unless the repository says which) and searches for what must be gone.
    /// </summary>
    [Activity]
    public Task<VerifyStepResult> VerifyStepAsync(VerifyStepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Heartbeats.RunAsync(token => VerifyStepAsync(request, token));
    }

    private async Task<VerifyStepResult> VerifyStepAsync(VerifyStepRequest request, CancellationToken token)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sha = await snapshots.CommitAsync(request.Snapshot, request.Patches, ("GitHubBot", "ghbot@localhost"), token);
        var url = await snapshots.LocalUrlAsync(request.Snapshot, token);
        var workspace = new WorkspaceRef(request.Key, request.Snapshot.Target, url.AbsoluteUri, sha);
        var lines = new List<string>();
        var failures = new List<string>();
        try
        {
            var config = await gate.PrepareWorkspaceAsync(new PrepareWorkspaceRequest(workspace, request.Gate));
            IReadOnlyList<string> wanted = request.Checks.Count > 0 ? request.Checks : ["unit_tests", "integration_tests"];
            var checks = config.Checks.Where(c => wanted.Contains(c.Name, StringComparer.Ordinal)).ToList();
            if (checks.Count == 0)
            {
                lines.Add($"no {string.Join(" or ", wanted)} check found: nothing could run");
            }

            var results = await Task.WhenAll(checks.Select(check => gate.RunCheckAsync(new RunCheckRequest(workspace, check))));
            foreach (var result in results)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{result.Name}: {result.State.ToString().ToLowerInvariant()} ({result.DurationSeconds:0.#} s)"));
                if (result.State != CheckState.Passed)
                {
                    failures.Add($"### {result.Name} ({result.State})\n\n{Cut(result.Summary, 6000)}");
                }
            }

            var remaining = await snapshots.GrepAsync(request.Snapshot, sha, request.Forbidden, request.ForbiddenIn, VendoredDirectories, 20, token);
            if (remaining.Count > 0)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"acceptance: {remaining.Count} uses of the old API remain"));
                failures.Add($"### Still there\n\nThese must no longer occur ({string.Join(", ", request.Forbidden.Select(f => $"`{f}`"))}):\n\n{string.Join("\n", remaining.Select(r => $"- {r}"))}");
            }
            else if (request.Forbidden.Count > 0)
            {
                lines.Add("acceptance: no use of the old API remains");
            }
        }
        finally
        {
            await gate.RemoveWorkspaceAsync(request.Key);
        }

        return new VerifyStepResult(failures.Count == 0, lines, failures.Count == 0 ? null : Cut(string.Join("\n\n", failures), 16_000), sha) { Seconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>
    /// The lock files beside the package.json files the recipe changed, updated by npm from the manifests alone
    /// (<c>--package-lock-only --ignore-scripts</c>: no dependency is installed, no script of the repository runs; no
    /// configuration but npm's defaults: the repository's <c>.npmrc</c> files are removed first and the worker's are
    /// not read). Only regular files are read or written: a lock file that is a link is left alone. A lock npm cannot
    /// update is left as it was, with a note.
    /// </summary>
    private async Task<IReadOnlyList<FileEdit>> LockFilesAsync(RepoSnapshot snapshot, Patch recipe, IReadOnlyList<string> tree, List<string> notes, CancellationToken token)
    {
        var directories = recipe.Edits
            .Where(e => Path.GetFileName(e.Path) == "package.json")
            .Select(e => Path.GetDirectoryName(e.Path)?.Replace('\\', '/') ?? string.Empty)
            .Where(d => tree.Contains(LockPath(d)))
            .ToList();
        if (directories.Count == 0)
        {
            return [];
        }

        if (directories.Count > MaxLockFiles)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{directories.Count} lock files would change; the first {MaxLockFiles} were updated, run `npm install` for the others."));
            directories = directories[..MaxLockFiles];
        }

        var sha = await snapshots.CommitAsync(snapshot, [recipe], ("GitHubBot", "ghbot@localhost"), token);
        var scratch = Path.Combine(options.WorkerDirectory, $"migrate-lock-{Guid.NewGuid():N}");
        var (emptyUser, emptyGlobal) = ($"{scratch}.user-npmrc", $"{scratch}.global-npmrc");
        var edits = new List<FileEdit>();
        try
        {
            await File.WriteAllTextAsync(emptyUser, string.Empty, token);
            await File.WriteAllTextAsync(emptyGlobal, string.Empty, token);
            await GitWorkspace.CheckoutAsync(await snapshots.LocalUrlAsync(snapshot, token), sha, scratch, null, token);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var directory in directories)
            {
                var lockPath = LockPath(directory);
                if (clock.Elapsed > LocksTimeout)
                {
                    // The analysis runs within its activity's time: what is left is said, not waited for.
                    notes.Add($"{lockPath} was not updated: the lock files had taken {LocksTimeout.TotalMinutes:0} minutes already; run `npm install` on the branch.");
                    continue;
                }

                var lockFile = new FileInfo(Path.Combine(scratch, lockPath));
                if (!Regular(lockFile) || !Regular(new FileInfo(Path.Combine(scratch, directory, "package.json"))))
                {
                    notes.Add($"{lockPath} was not updated: it, or its package.json, is not a regular file.");
                    continue;
                }

                RemoveNpmConfiguration(scratch, directory);
                var run = await CheckProcess.RunAsync(NpmLockCommand(emptyUser, emptyGlobal), Path.Combine(scratch, directory), LockTimeout, cancellationToken: token);
                lockFile.Refresh();
                if (run.ExitCode != 0 || !Regular(lockFile))
                {
                    notes.Add($"{lockPath} was not updated: npm {(run.TimedOut ? "ran out of time" : $"exited with {run.ExitCode}")}; run `npm install` on the branch.");
                    continue;
                }

                if (lockFile.Length > MaxLockBytes)
                {
                    notes.Add($"{lockPath} was not updated: at {lockFile.Length / 1024} KiB it is more than a run carries ({MaxLockBytes / 1024} KiB); run `npm install` on the branch.");
                    continue;
                }

                edits.Add(new FileEdit(lockPath, Content: await File.ReadAllTextAsync(lockFile.FullName, token)));
            }
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            notes.Add($"The lock files were not updated: npm could not be started ({WorkerPaths.Scrub(ex.Message)}).");
        }
        finally
        {
            GitWorkspace.Remove(scratch);
            File.Delete(emptyUser);
            File.Delete(emptyGlobal);
        }

        return edits;

        static string LockPath(string directory) => directory.Length == 0 ? "package-lock.json" : $"{directory}/package-lock.json";
    }

    /// <summary>A file that exists and is not a link (a link could point anywhere on the worker).</summary>
    private static bool Regular(FileInfo file) => file.Exists && file.LinkTarget is null;

    /// <summary>The repository's npm configuration between its root and the package, which npm would otherwise obey (registries, git, scripts' shell).</summary>
    private static void RemoveNpmConfiguration(string root, string directory)
    {
        var current = root;
        foreach (var part in directory.Split('/', StringSplitOptions.RemoveEmptyEntries).Prepend(string.Empty))
        {
            current = part.Length == 0 ? current : Path.Combine(current, part);
            var npmrc = new FileInfo(Path.Combine(current, ".npmrc"));
            if (npmrc.Exists || npmrc.LinkTarget is not null)
            {
                npmrc.Delete();
            }
        }
    }

    /// <summary>Directories of code the repository does not own (dependencies, build output): not analysed, not searched.</summary>
    private static readonly string[] VendoredDirectories = ["node_modules", "bin", "obj", "dist", "build", "vendor", ".venv", "venv", "__pycache__"];

    private static bool Vendored(string path) => path.Split('/').Any(part => VendoredDirectories.Contains(part, StringComparer.Ordinal));

    private static int Occurrences(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Cut(string text, int limit) => text.Length > limit ? text[..limit] + "\n[cut]" : text;

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration analysis: {Files} files, {Read} read, {Affected} affected, {Manifests} manifests bumped")]
    private static partial void LogAnalyzed(ILogger logger, int files, int read, int affected, int manifests);
}

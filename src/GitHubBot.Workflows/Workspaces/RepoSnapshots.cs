using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.GitHub;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>A snapshot's files as read from git: the tree, and the text of the files asked for.</summary>
/// <param name="Tree">Repository-relative paths of every file of the commit.</param>
/// <param name="Texts">Path → text of the files read (absent: not in the commit).</param>
/// <param name="Executables">The commit's executable files (mode 100755).</param>
public sealed record SnapshotFiles(IReadOnlyList<string> Tree, IReadOnlyDictionary<string, string> Texts, IReadOnlySet<string> Executables)
{
    /// <summary>A file's text, or null when the commit does not have it (or it was not read).</summary>
    public string? Read(string path) => Texts.TryGetValue(path, out var text) ? text : null;

    /// <summary>The mode a file written at <paramref name="path"/> keeps: executable if it was, else a regular file.</summary>
    public string ModeOf(string path) => Executables.Contains(path) ? "100755" : "100644";
}

/// <summary>
/// The commits plan → patch → PR works on, as data: each remote's commits are fetched (shallow) into a bare
/// repository of the worker's own, files are read from there with git, and commits are built there from patches
/// (blobs, a tree, a commit) and pushed. Nothing is checked out and nothing of the repository runs: agents' edits
/// are text, and a bare repository has no working tree, hooks or configuration a commit could bring.
/// </summary>
/// <remarks>
/// Commits made from the same patches on the same commit are the same commits (author, committer and dates come from
/// the patches), so a retried push pushes the same SHA, and a later push of more patches is a fast-forward.
/// </remarks>
public sealed partial class RepoSnapshots(IGitHubClients clients, WorkspaceOptions options)
{
    /// <summary>The most of a file an agent is shown or an edit works on; a bigger file counts as unreadable.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    /// <summary>Where a worker keeps its snapshot repositories (one bare repository per remote).</summary>
    public static string DirectoryOf(WorkspaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.WorkerDirectory, "snapshots");
    }

    /// <summary>Reads the snapshot's tree and the given files (those that exist and are small enough).</summary>
    public Task<SnapshotFiles> ReadAsync(RepoSnapshot snapshot, IEnumerable<string> paths, CancellationToken cancellationToken) =>
        ReadAsync(snapshot, _ => paths, cancellationToken);

    /// <summary>Reads the snapshot's tree and the files <paramref name="choose"/> picks knowing the tree.</summary>
    public async Task<SnapshotFiles> ReadAsync(RepoSnapshot snapshot, Func<IReadOnlyList<string>, IEnumerable<string>> choose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var repository = await EnsureAsync(snapshot, cancellationToken);
        var listing = await GitWorkspace.GitAsync(
            "ls-tree", ["--git-dir", repository, "ls-tree", "-r", "-z", "--long", "--end-of-options", snapshot.Sha], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken, maxOutputBytes: GitOutput.MaxListingBytes);
        var tree = new List<string>();
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var executables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> <type> <object> <size>\t<path>"
            var tab = entry.IndexOf('\t', StringComparison.Ordinal);
            var fields = entry[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var path = entry[(tab + 1)..];
            tree.Add(path);
            if (fields[1] == "blob" && fields[0] != "120000" && long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                sizes[path] = size;
            }

            if (fields[0] == "100755")
            {
                executables.Add(path);
            }
        }

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in choose(tree).Distinct(StringComparer.Ordinal))
        {
            if (sizes.TryGetValue(path, out var size) && size <= MaxFileBytes)
            {
                texts[path] = await GitWorkspace.GitAsync(
                    "cat-file", ["--git-dir", repository, "cat-file", "blob", $"{snapshot.Sha}:{path}"], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken, maxOutputBytes: MaxFileBytes);
            }
        }

        return new SnapshotFiles(tree, texts, executables);
    }

    /// <summary>
    /// The snapshot with <paramref name="patches"/> applied on top, and the files it read (those the patches edit and
    /// those <paramref name="alsoRead"/> picks). Patches were accepted earlier, so one that no longer applies fails
    /// the step without retrying.
    /// </summary>
    public async Task<(SnapshotFiles Files, PatchedTree Tree)> ApplyAsync(
        RepoSnapshot snapshot, IReadOnlyList<Patch> patches, Func<IReadOnlyList<string>, IEnumerable<string>> alsoRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patches);
        var edited = patches.SelectMany(p => p.Edits).Select(e => Edits.NormalizePath(e.Path)).ToList();
        var files = await ReadAsync(snapshot, tree => edited.Concat(alsoRead(tree)), cancellationToken);
        var patched = new PatchedTree(files.Read);
        var (failedAt, problems) = patched.ApplyAll(patches);
        if (failedAt >= 0)
        {
            throw new ApplicationFailureException($"A patch accepted earlier no longer applies: {string.Join(" ", problems)}", errorType: "PatchDoesNotApply", nonRetryable: true);
        }

        return (files, patched);
    }

    /// <summary>
    /// Makes one commit per patch on the snapshot, as <paramref name="author"/>, and returns the last one's SHA (the
    /// snapshot's own when there are no patches). Fails with the problems when a patch does not apply.
    /// </summary>
    public async Task<string> CommitAsync(RepoSnapshot snapshot, IReadOnlyList<Patch> patches, (string Name, string Email) author, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(patches);
        var repository = await EnsureAsync(snapshot, cancellationToken);
        var files = await ReadAsync(snapshot, patches.SelectMany(p => p.Edits).Select(e => Edits.NormalizePath(e.Path)), cancellationToken);
        var tree = new PatchedTree(files.Read);
        var index = Path.Combine(options.WorkerDirectory, $"index-{Guid.NewGuid():N}");
        var parent = snapshot.Sha;
        try
        {
            foreach (var patch in patches)
            {
                var result = tree.Apply(patch.Edits);
                if (!result.Applies)
                {
                    throw new ApplicationFailureException(
                        $"The patch \"{Subject(patch.Message)}\" does not apply: {string.Join(" ", result.Problems)}", errorType: "PatchDoesNotApply", nonRetryable: true);
                }

                var environment = new Dictionary<string, string?>(GitWorkspace.CleanLocalEnvironment) { ["GIT_INDEX_FILE"] = index };
                await GitWorkspace.GitAsync("read-tree", ["--git-dir", repository, "read-tree", parent], repository, environment, null, cancellationToken);
                foreach (var path in result.Deleted.Order(StringComparer.Ordinal))
                {
                    await GitWorkspace.GitAsync(
                        "update-index", ["--git-dir", repository, "update-index", "--force-remove", "--", path], repository, environment, null, cancellationToken);
                }

                foreach (var (path, text) in result.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    var blob = (await GitWorkspace.GitAsync(
                        "hash-object", ["--git-dir", repository, "hash-object", "-w", "--stdin"], repository, environment, null, cancellationToken, input: text)).Trim();
                    await GitWorkspace.GitAsync(
                        "update-index", ["--git-dir", repository, "update-index", "--add", "--cacheinfo", $"{files.ModeOf(path)},{blob},{path}"], repository, environment, null, cancellationToken);
                }

                var treeSha = (await GitWorkspace.GitAsync("write-tree", ["--git-dir", repository, "write-tree"], repository, environment, null, cancellationToken)).Trim();
                var date = string.Create(CultureInfo.InvariantCulture, $"@{patch.When.ToUnixTimeSeconds()} +0000");
                environment["GIT_AUTHOR_NAME"] = author.Name;
                environment["GIT_AUTHOR_EMAIL"] = author.Email;
                environment["GIT_AUTHOR_DATE"] = date;
                environment["GIT_COMMITTER_NAME"] = author.Name;
                environment["GIT_COMMITTER_EMAIL"] = author.Email;
                environment["GIT_COMMITTER_DATE"] = date;
                parent = (await GitWorkspace.GitAsync(
                    "commit-tree", ["--git-dir", repository, "commit-tree", treeSha, "-p", parent, "-F", "-"], repository, environment, null, cancellationToken, input: patch.Message)).Trim();
            }
        }
        finally
        {
            File.Delete(index);
        }

        return parent;
    }

    /// <summary>
    /// One patch that undoes the change from <see cref="RevertRequest.From"/> to <see cref="RevertRequest.To"/> on top of
    /// <see cref="RevertRequest.Onto"/> (what <c>git revert</c> of a merged PR does): the reverse diff applied to an
    /// index of that commit, read back as whole files and removals. Text files only; a reverse diff that no longer
    /// applies fails with <c>RevertConflicts</c>, saying so.
    /// </summary>
    public async Task<Patch> RevertAsync(RevertRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var repository = await EnsureAsync(request.Onto, cancellationToken);
        await EnsureAsync(request.Onto with { Sha = request.From }, cancellationToken);
        await EnsureAsync(request.Onto with { Sha = request.To }, cancellationToken);
        string[] paths = [];
        if (request.Own is { } own)
        {
            await EnsureAsync(request.Onto with { Sha = own }, cancellationToken);
            var changed = await GitWorkspace.GitAsync(
                "diff", ["--git-dir", repository, "diff", "--name-only", "-z", "--no-renames", request.From, own, "--"], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken, maxOutputBytes: GitOutput.MaxListingBytes);
            paths = changed.Split('\0', StringSplitOptions.RemoveEmptyEntries);
            if (paths.Length == 0)
            {
                throw new ApplicationFailureException("Nothing is left to revert: GitHubBot's commits changed no file.", errorType: "RevertConflicts", nonRetryable: true);
            }
        }

        var reverse = await GitWorkspace.GitAsync(
            "diff", ["--git-dir", repository, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--full-index", request.To, request.From, "--", .. paths.Select(p => $":(literal){p}")],
            repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken, maxOutputBytes: GitOutput.MaxPatchBytes);
        if (reverse.Contains("\nBinary files ", StringComparison.Ordinal) || reverse.StartsWith("Binary files ", StringComparison.Ordinal))
        {
            throw new ApplicationFailureException("The change holds binary files, which GitHubBot does not revert.", errorType: "RevertConflicts", nonRetryable: true);
        }

        var index = Path.Combine(options.WorkerDirectory, $"index-{Guid.NewGuid():N}");
        var environment = new Dictionary<string, string?>(GitWorkspace.CleanLocalEnvironment) { ["GIT_INDEX_FILE"] = index };
        try
        {
            await GitWorkspace.GitAsync("read-tree", ["--git-dir", repository, "read-tree", request.Onto.Sha], repository, environment, null, cancellationToken);
            try
            {
                await GitWorkspace.GitAsync("apply", ["--git-dir", repository, "apply", "--cached", "--whitespace=nowarn", "-"], repository, environment, null, cancellationToken, input: reverse);
            }
            catch (GitCommandException ex)
            {
                throw new ApplicationFailureException(
                    $"The change no longer reverts cleanly on {request.Onto.Sha[..7]}: {ex.Message}", errorType: "RevertConflicts", nonRetryable: true);
            }

            var changed = await GitWorkspace.GitAsync(
                "diff", ["--git-dir", repository, "diff", "--cached", "--name-status", "--no-renames", "-z", request.Onto.Sha, "--"], repository, environment, null, cancellationToken, maxOutputBytes: GitOutput.MaxListingBytes);
            var fields = changed.Split('\0', StringSplitOptions.RemoveEmptyEntries);
            var edits = new List<FileEdit>();
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                var (status, path) = (fields[i], fields[i + 1]);
                edits.Add(status == "D"
                    ? new FileEdit(path, Delete: true)
                    : new FileEdit(path, Content: await GitWorkspace.GitAsync("cat-file", ["--git-dir", repository, "cat-file", "blob", $":{path}"], repository, environment, null, cancellationToken, maxOutputBytes: MaxFileBytes)));
            }

            return edits.Count == 0
                ? throw new ApplicationFailureException("Nothing is left to revert: the change is already undone.", errorType: "RevertConflicts", nonRetryable: true)
                : new Patch(request.Message, edits, request.When);
        }
        finally
        {
            File.Delete(index);
        }
    }

    /// <summary>
    /// The paths that differ between the snapshot's commit and <paramref name="head"/> (a commit of the same remote,
    /// fetched when missing); null when more than <paramref name="maxPaths"/> do.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ChangedPathsAsync(RepoSnapshot snapshot, string head, int maxPaths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var repository = await EnsureAsync(snapshot, cancellationToken);
        await EnsureAsync(snapshot with { Sha = head }, cancellationToken);
        var (changed, cut) = await GitWorkspace.GitOutputAsync(
            "diff", ["--git-dir", repository, "diff", "--name-only", "-z", "--no-renames", "--end-of-options", snapshot.Sha, head, "--"], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken, maxOutputBytes: GitOutput.MaxListingBytes);
        var paths = changed.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        return cut || paths.Length > maxPaths ? null : paths;
    }

    /// <summary>The change from the snapshot to <paramref name="sha"/> (a commit made by <see cref="CommitAsync"/>) as a unified diff, cut at <paramref name="maxChars"/>.</summary>
    public async Task<string> DiffAsync(RepoSnapshot snapshot, string sha, int maxChars, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var repository = await EnsureAsync(snapshot, cancellationToken);
        // Only what is shown is read: git is stopped past it.
        var (diff, cut) = await GitWorkspace.GitOutputAsync(
            "diff", ["--git-dir", repository, "diff", "--no-color", "--no-ext-diff", "--no-textconv", snapshot.Sha, sha, "--"], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken, maxOutputBytes: maxChars + 1);
        return cut || diff.Length > maxChars ? diff[..Math.Min(diff.Length, maxChars)] + "\n[diff cut]\n" : diff;
    }

    /// <summary>
    /// Pushes <paramref name="sha"/> (made by <see cref="CommitAsync"/>) to <paramref name="branch"/>: fast-forward
    /// only, and with <paramref name="newBranch"/> only when the branch does not exist yet.
    /// </summary>
    public async Task PushAsync(RepoSnapshot snapshot, string sha, string branch, CancellationToken cancellationToken, bool newBranch = false)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var repository = await EnsureAsync(snapshot, cancellationToken);
        await GitWorkspace.GitAsync("check-ref-format", ["check-ref-format", "--branch", branch], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken);
        var url = CloneUrl(snapshot);
        var token = await clients.GitTokenAsync(url, snapshot.Target, GitHubAccess.Push, cancellationToken);

        // An empty lease: the push is refused when the branch exists at all.
        string[] lease = newBranch ? [$"--force-with-lease=refs/heads/{branch}:"] : [];
        await GitWorkspace.GitAsync(
            "push", ["--git-dir", repository, "push", "--quiet", "--no-verify", .. lease, "--end-of-options", url.ToString(), $"{sha}:refs/heads/{branch}"], repository, GitWorkspace.Environment(url, token), token, cancellationToken);
    }

    /// <summary>Where <paramref name="branch"/> of the snapshot's remote points now; null when it does not exist.</summary>
    public async Task<string?> RemoteHeadAsync(RepoSnapshot snapshot, string branch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var repository = await EnsureAsync(snapshot, cancellationToken);
        var url = CloneUrl(snapshot);
        var token = await clients.GitTokenAsync(url, snapshot.Target, GitHubAccess.ReadCode, cancellationToken);
        var listing = await GitWorkspace.GitAsync(
            "ls-remote", ["--git-dir", repository, "ls-remote", "--end-of-options", url.ToString(), $"refs/heads/{branch}"], repository, GitWorkspace.Environment(url, token), token, cancellationToken);
        var line = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => l.EndsWith($"\trefs/heads/{branch}", StringComparison.Ordinal));
        return line?.Split('\t')[0];
    }

    /// <summary>The worker's repository holding the snapshot (and the commits <see cref="CommitAsync"/> made on it), as a file:// URL to check out from.</summary>
    public async Task<Uri> LocalUrlAsync(RepoSnapshot snapshot, CancellationToken cancellationToken) => new(await EnsureAsync(snapshot, cancellationToken));

    /// <summary>The worker's bare repository for the snapshot's remote, holding the snapshot's commit (fetched when missing).</summary>
    private async Task<string> EnsureAsync(RepoSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.Sha.Length is not (40 or 64) || !snapshot.Sha.All(char.IsAsciiHexDigitLower))
        {
            throw new ApplicationFailureException($"'{snapshot.Sha}' is not a full commit SHA.", errorType: "InvalidRequest", nonRetryable: true);
        }

        var url = CloneUrl(snapshot);
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..24];
        var repository = Path.Combine(DirectoryOf(options), $"{name}.git");
        var gate = Locks.GetOrAdd(repository, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!Directory.Exists(repository))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(repository)!);
                await GitWorkspace.GitAsync("init", ["init", "--quiet", "--bare", repository], Path.GetTempPath(), GitWorkspace.CleanLocalEnvironment, null, cancellationToken);
            }

            // In use: the sweeper leaves it alone for another half day.
            Directory.SetLastWriteTimeUtc(repository, DateTime.UtcNow);

            try
            {
                await GitWorkspace.GitAsync(
                    "cat-file", ["--git-dir", repository, "cat-file", "-e", $"{snapshot.Sha}^{{commit}}"], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken);
            }
            catch (GitCommandException)
            {
                var token = await clients.GitTokenAsync(url, snapshot.Target, GitHubAccess.ReadCode, cancellationToken);
                await GitWorkspace.GitAsync(
                    "fetch", ["--git-dir", repository, "fetch", "--quiet", "--depth=1", "--no-tags", "--end-of-options", url.ToString(), snapshot.Sha],
                    repository, GitWorkspace.Environment(url, token), token, cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }

        return repository;
    }

    private static Uri CloneUrl(RepoSnapshot snapshot) =>
        Uri.TryCreate(snapshot.CloneUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http" or "file"
            ? url
            : throw new ApplicationFailureException($"'{snapshot.CloneUrl}' is not a clone URL.", errorType: "InvalidRequest", nonRetryable: true);

    private static string Subject(string message) => message.Split('\n', 2)[0];
}

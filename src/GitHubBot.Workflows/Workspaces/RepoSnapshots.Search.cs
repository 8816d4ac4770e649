using System.Globalization;
using System.Text;
using CliWrap;
using GitHubBot.Core.Workspaces;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>Reading a commit's files in bulk and searching it, within bounds (a code migration's analysis and acceptance).</summary>
public sealed partial class RepoSnapshots
{
    /// <summary>
    /// Reads many files of <paramref name="sha"/> (the snapshot's commit or one made on it) in one git process: the
    /// tree is listed once and <paramref name="choose"/> picks from it, most important first. Only regular files (no
    /// links, no submodules) are read, each at most <see cref="MaxFileBytes"/> and <paramref name="maxTotalBytes"/> in
    /// all (in the order chosen), decided from the tree's sizes before anything is read; binary files and files past
    /// the bounds are left out. The output is read as it comes, never held beyond the bound.
    /// </summary>
    public async Task<SnapshotFiles> ReadManyAsync(
        RepoSnapshot snapshot, string sha, Func<IReadOnlyList<string>, IEnumerable<string>> choose, long maxTotalBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(choose);
        var repository = await EnsureAsync(snapshot, cancellationToken);
        var listing = await GitWorkspace.GitAsync(
            "ls-tree", ["--git-dir", repository, "ls-tree", "-r", "-z", "--long", "--end-of-options", sha], repository, GitWorkspace.CleanLocalEnvironment, null, cancellationToken, maxOutputBytes: GitOutput.MaxListingBytes);
        var tree = new List<string>();
        var readable = new Dictionary<string, int>(StringComparer.Ordinal);
        var executables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> <type> <object> <size>\t<path>": regular files only can be read.
            var tab = entry.IndexOf('\t', StringComparison.Ordinal);
            var fields = entry[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var path = entry[(tab + 1)..];
            tree.Add(path);
            if (fields[0] is "100644" or "100755" && fields[1] == "blob" && !path.Contains('\n', StringComparison.Ordinal)
                && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size <= MaxFileBytes)
            {
                readable[path] = size;
            }

            if (fields[0] == "100755")
            {
                executables.Add(path);
            }
        }

        var chosen = new List<(string Path, int Size)>();
        long total = 0;
        foreach (var path in choose(tree).Distinct(StringComparer.Ordinal))
        {
            if (readable.TryGetValue(path, out var size) && total + size <= maxTotalBytes)
            {
                total += size;
                chosen.Add((path, size));
            }
        }

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (chosen.Count == 0)
        {
            return new SnapshotFiles(tree, texts, executables);
        }

        var request = string.Concat(chosen.Select(c => $"{sha}:{c.Path}\n"));
        await Cli.Wrap("git")
            .WithArguments(["-c", "core.fsmonitor=false", "--git-dir", repository, "cat-file", "--batch"])
            .WithEnvironmentVariables(CheckProcess.EnvironmentFor(GitWorkspace.CleanLocalEnvironment))
            .WithWorkingDirectory(repository)
            .WithStandardInputPipe(PipeSource.FromString(request))
            .WithStandardOutputPipe(PipeTarget.Create(async (output, token) =>
            {
                var reader = new BatchReader(output);
                foreach (var (path, size) in chosen)
                {
                    // "<oid> blob <size>\n<content>\n" for each, as the tree said.
                    var header = await reader.LineAsync(token);
                    var fields = header.Split(' ');
                    if (fields.Length != 3 || fields[1] != "blob" || fields[2] != size.ToString(CultureInfo.InvariantCulture))
                    {
                        throw new GitCommandException($"git cat-file --batch answered '{header}' for {path}");
                    }

                    var content = await reader.BytesAsync(size + 1, token);
                    if (Array.IndexOf(content, (byte)0, 0, size) < 0)
                    {
                        texts[path] = Encoding.UTF8.GetString(content, 0, size);
                    }
                }
            }))
            .ExecuteAsync(cancellationToken);
        return new SnapshotFiles(tree, texts, executables);
    }

    /// <summary>
    /// Where <paramref name="texts"/> (fixed strings, text files) still occur in <paramref name="sha"/>, as
    /// "path:line: text" — only the matching text, never a whole (perhaps endless) line — at most
    /// <paramref name="maxLines"/>; git is stopped once they are found.
    /// </summary>
    /// <param name="snapshot">The snapshot the commit was made on.</param>
    /// <param name="sha">The commit searched.</param>
    /// <param name="texts">What is searched for (one line each).</param>
    /// <param name="paths">The files searched (literally, never as patterns); empty: the whole tree but <paramref name="excluded"/>.</param>
    /// <param name="excluded">Directory names left out of a whole-tree search (vendored code).</param>
    /// <param name="maxLines">The most lines returned.</param>
    /// <param name="cancellationToken">Stops git.</param>
    public async Task<IReadOnlyList<string>> GrepAsync(
        RepoSnapshot snapshot, string sha, IReadOnlyList<string> texts, IReadOnlyList<string> paths, IReadOnlyList<string> excluded, int maxLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(excluded);
        if (texts.Count == 0)
        {
            return [];
        }

        if (texts.Any(t => t.Length == 0 || t.Contains('\n', StringComparison.Ordinal)))
        {
            throw new ApplicationFailureException("What must be gone is searched one line at a time: an empty text, or one of several lines, cannot be.", errorType: "InvalidRequest", nonRetryable: true);
        }

        var repository = await EnsureAsync(snapshot, cancellationToken);
        var lines = new List<string>();
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CommandResult? result = null;
        try
        {
            result = await Cli.Wrap("git")
                .WithArguments([
                    "-c", "core.fsmonitor=false", "--git-dir", repository, "grep", "-I", "-n", "-o", "-F", .. texts.SelectMany(t => new[] { "-e", t }), sha, "--",
                    .. paths.Count > 0 ? paths.Select(p => $":(literal){p}") : excluded.Select(d => $":(exclude,glob)**/{d}/**")])
                .WithEnvironmentVariables(CheckProcess.EnvironmentFor(GitWorkspace.CleanLocalEnvironment))
                .WithWorkingDirectory(repository)
                .WithStandardOutputPipe(PipeTarget.ToDelegate(line =>
                {
                    // "<sha>:<path>:<line>:<match>" → "<path>:<line>: <match>".
                    var rest = line.StartsWith(sha + ":", StringComparison.Ordinal) ? line[(sha.Length + 1)..] : line;
                    lines.Add(rest.Length > 300 ? rest[..300] + "…" : rest);
                    if (lines.Count >= maxLines)
                    {
                        enough.Cancel();
                    }
                }))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(enough.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Enough found: git was stopped.
        }

        // 1: nothing found.
        return result is null || result.ExitCode is 0 or 1 ? [.. lines.Take(maxLines)] : throw new GitCommandException($"git grep failed ({result.ExitCode})");
    }

    /// <summary>Reads <c>git cat-file --batch</c>'s answers as they come: header lines, then exactly the bytes announced.</summary>
    private sealed class BatchReader(Stream stream)
    {
        private readonly byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;

        public async Task<string> LineAsync(CancellationToken token)
        {
            var line = new List<byte>();
            while (true)
            {
                if (start == end && !await FillAsync(token))
                {
                    throw new GitCommandException("git cat-file --batch ended early");
                }

                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (newline >= 0)
                {
                    line.AddRange(buffer.AsSpan(start, newline - start));
                    start = newline + 1;
                    return Encoding.UTF8.GetString([.. line]);
                }

                line.AddRange(buffer.AsSpan(start, end - start));
                start = end;
                if (line.Count > 4096)
                {
                    throw new GitCommandException("git cat-file --batch sent a header longer than any it writes");
                }
            }
        }

        public async Task<byte[]> BytesAsync(int count, CancellationToken token)
        {
            var bytes = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (start == end && !await FillAsync(token))
                {
                    throw new GitCommandException("git cat-file --batch ended early");
                }

                var take = Math.Min(count - filled, end - start);
                Array.Copy(buffer, start, bytes, filled, take);
                start += take;
                filled += take;
            }

            return bytes;
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            start = 0;
            end = await stream.ReadAsync(buffer, token);
            return end > 0;
        }
    }
}

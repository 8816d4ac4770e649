namespace GitHubBot.Core.Workspaces;

/// <summary>
/// One edit of a file: <paramref name="Search"/> → <paramref name="Replace"/> inside an existing file, the whole
/// <paramref name="Content"/> of a file, or (<paramref name="Delete"/>) its removal. Agents' answers never delete
/// (their schemas have no such key); GitHubBot's own reverts do.
/// </summary>
public sealed record FileEdit(string Path, string? Search = null, string? Replace = null, string? Content = null, bool Delete = false);

/// <summary>The files after the edits, or why they do not apply (fed back to the agent that wrote them).</summary>
/// <param name="Files">Path → text, for every file an edit touched.</param>
/// <param name="Problems">One line per edit that cannot be applied.</param>
public sealed record EditResult(IReadOnlyDictionary<string, string> Files, IReadOnlyList<string> Problems)
{
    public bool Applies => Problems.Count == 0;

    /// <summary>Files the edits removed.</summary>
    public IReadOnlySet<string> Deleted { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>
/// Applies agents' edits to the base's files, all or nothing: a search text must occur exactly once; paths stay
/// inside the repository (relative, no <c>..</c>, not under <c>.git</c>).
/// </summary>
public static class Edits
{
    /// <param name="edits">The edits, in order (later ones see earlier ones' results).</param>
    /// <param name="read">Reads a repository file of the base; null when it does not exist.</param>
    public static EditResult Apply(IReadOnlyList<FileEdit> edits, Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(edits);
        ArgumentNullException.ThrowIfNull(read);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var edit in edits)
        {
            var path = NormalizePath(edit.Path);
            if (!InsideRepository(path))
            {
                problems.Add($"{edit.Path}: not a path inside the repository.");
                continue;
            }

            if (Protected(path))
            {
                problems.Add($"{path}: GitHubBot does not change CI workflows, CODEOWNERS or its own configuration; leave this file to people.");
                continue;
            }

            if (edit.Delete)
            {
                if ((files.TryGetValue(path, out var current) ? current : deleted.Contains(path) ? null : read(path)) is null)
                {
                    problems.Add($"{path}: the file does not exist, so it cannot be removed.");
                    continue;
                }

                files.Remove(path);
                deleted.Add(path);
                continue;
            }

            if (edit.Content is { } content)
            {
                files[path] = content;
                deleted.Remove(path);
                continue;
            }

            if (edit.Search is not { Length: > 0 } search)
            {
                problems.Add($"{path}: an edit needs either content, or search and replace.");
                continue;
            }

            var text = files.TryGetValue(path, out var edited) ? edited : deleted.Contains(path) ? null : read(path);
            if (text is null)
            {
                problems.Add($"{path}: the file does not exist; give its whole content to create it.");
                continue;
            }

            var first = text.IndexOf(search, StringComparison.Ordinal);
            if (first < 0)
            {
                problems.Add($"{path}: the search text was not found; copy it exactly from the file.");
                continue;
            }

            if (text.IndexOf(search, first + 1, StringComparison.Ordinal) >= 0)
            {
                problems.Add($"{path}: the search text occurs more than once; include more lines around the change.");
                continue;
            }

            files[path] = string.Concat(text.AsSpan(0, first), edit.Replace ?? string.Empty, text.AsSpan(first + search.Length));
        }

        return problems.Count == 0 ? new EditResult(files, []) { Deleted = deleted } : new EditResult(new Dictionary<string, string>(), problems);
    }

    /// <summary>Whether a (normalized) path names a file inside the repository: relative, no <c>.</c> or <c>..</c> parts, not under <c>.git</c>.</summary>
    public static bool InsideRepository(string path) =>
        path is { Length: > 0 and <= 1000 } && !path.StartsWith('/') && !path.Contains('\n', StringComparison.Ordinal)
        && !path.Split('/').Any(part => part is ".." or "." or "" || part.Equals(".git", StringComparison.OrdinalIgnoreCase));

    /// <summary>A path as edits use it: forward slashes, no surrounding spaces.</summary>
    public static string NormalizePath(string path) => (path ?? string.Empty).Replace('\\', '/').Trim();

    /// <summary>
    /// Files agents never change, whatever an issue's text asks: CI workflows and actions (they run with the
    /// repository's secrets), code owners, and GitHubBot's own configuration (budgets, auto-merge).
    /// </summary>
    public static bool Protected(string path)
    {
        var normalized = NormalizePath(path);
        return normalized.StartsWith(".github/workflows/", StringComparison.OrdinalIgnoreCase)
            || normalized.StartsWith(".github/actions/", StringComparison.OrdinalIgnoreCase)
            || normalized.Equals(".github/ghbot.yml", StringComparison.OrdinalIgnoreCase)
            || normalized.Equals(".github/ghbot.yaml", StringComparison.OrdinalIgnoreCase)
            || Path.GetFileName(normalized).Equals("CODEOWNERS", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>One agent's change as a unit: a commit message and its edits, with the time it was made (the commit's date).</summary>
/// <param name="Message">The commit message (first line: the subject).</param>
/// <param name="Edits">The edits, in order.</param>
/// <param name="When">When the patch was accepted; commits made from it carry this date, so the same patches always make the same commits.</param>
public sealed record Patch(string Message, IReadOnlyList<FileEdit> Edits, DateTimeOffset When);

/// <summary>A repository's files with patches applied on top, in order, without touching the repository.</summary>
/// <param name="read">Reads a file of the base; null when it does not exist.</param>
public sealed class PatchedTree(Func<string, string?> read)
{
    private readonly Dictionary<string, string> changed = new(StringComparer.Ordinal);
    private readonly HashSet<string> deleted = new(StringComparer.Ordinal);

    /// <summary>Path → text of every file the applied patches wrote.</summary>
    public IReadOnlyDictionary<string, string> Changed => changed;

    /// <summary>Files the applied patches removed.</summary>
    public IReadOnlySet<string> Deleted => deleted;

    /// <summary>A file after the patches applied so far; null when it does not exist.</summary>
    public string? Read(string path) => changed.TryGetValue(path, out var text) ? text : deleted.Contains(path) ? null : read(path);

    /// <summary>Applies <paramref name="edits"/> on top, all or nothing; the result says why when they do not apply.</summary>
    public EditResult Apply(IReadOnlyList<FileEdit> edits)
    {
        var result = Edits.Apply(edits, Read);
        foreach (var (path, text) in result.Files)
        {
            changed[path] = text;
            deleted.Remove(path);
        }

        foreach (var path in result.Deleted)
        {
            changed.Remove(path);
            deleted.Add(path);
        }

        return result;
    }

    /// <summary>Applies every patch in order; the first one that does not apply stops it, with its index and problems.</summary>
    public (int FailedAt, IReadOnlyList<string> Problems) ApplyAll(IReadOnlyList<Patch> patches)
    {
        ArgumentNullException.ThrowIfNull(patches);
        for (var i = 0; i < patches.Count; i++)
        {
            var result = Apply(patches[i].Edits);
            if (!result.Applies)
            {
                return (i, result.Problems);
            }
        }

        return (-1, []);
    }
}

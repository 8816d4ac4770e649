using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GitHubBot.Core.QualityGate;

/// <summary>Reads the lines a git diff adds, per file, with their numbers in the new file.</summary>
public static partial class UnifiedDiff
{
    /// <summary>
    /// The added lines of each file in <paramref name="diff"/>, the output of
    /// <c>git diff --unified=0 --no-color --no-ext-diff --no-renames</c> (renames, context lines, C-quoted paths and
    /// "\ No newline at end of file" are understood too). Deleted and binary files have no entry, nor do files that only
    /// lose lines. At most <paramref name="maxFiles"/> files and <paramref name="maxLines"/> lines in all; beyond them,
    /// and from anything that is not a diff, nothing more is added: what was read is returned, never an exception.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<AddedLine>> AddedLines(string diff, int maxFiles = 2000, int maxLines = 100_000)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var files = new Dictionary<string, List<AddedLine>>(StringComparer.Ordinal);
        string? path = null;
        int oldLeft = 0, newLeft = 0, next = 0, total = 0;
        foreach (var raw in diff.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (oldLeft > 0 || newLeft > 0)
            {
                // Inside a hunk the counts of its header say what each line is, so an added "+++ x" is no header.
                switch (line.Length > 0 ? line[0] : ' ')
                {
                    case '+':
                        if (newLeft > 0)
                        {
                            if (path is not null && total < maxLines && (files.TryGetValue(path, out var added) || files.Count < maxFiles))
                            {
                                if (added is null)
                                {
                                    added = [];
                                    files[path] = added;
                                }

                                added.Add(new AddedLine(next, line[1..]));
                                total++;
                            }

                            next++;
                            newLeft--;
                            continue;
                        }

                        break;
                    case '-':
                        if (oldLeft > 0)
                        {
                            oldLeft--;
                            continue;
                        }

                        break;
                    case ' ':
                        if (oldLeft > 0 && newLeft > 0)
                        {
                            oldLeft--;
                            newLeft--;
                            next++;
                            continue;
                        }

                        break;
                    case '\\':
                        continue;
                }

                // A line the header did not announce: the hunk is over (or the diff is not what it claims).
                oldLeft = newLeft = 0;
            }

            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                path = null;
            }
            else if (line.StartsWith("+++ ", StringComparison.Ordinal))
            {
                path = NewPath(line[4..]);
            }
            else if (line.StartsWith("rename to ", StringComparison.Ordinal))
            {
                path = Unquote(line["rename to ".Length..]);
            }
            else if (line.StartsWith("@@ ", StringComparison.Ordinal) && HunkHeader().Match(line.Length > 64 ? line[..64] : line) is { Success: true } hunk)
            {
                oldLeft = Count(hunk.Groups["oldCount"]);
                newLeft = Count(hunk.Groups["newCount"]);
                next = int.TryParse(hunk.Groups["newStart"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : 0;
                if (next < 1 && newLeft > 0)
                {
                    oldLeft = newLeft = 0;
                }
            }
        }

        return files.ToDictionary(f => f.Key, f => (IReadOnlyList<AddedLine>)f.Value, StringComparer.Ordinal);
    }

    /// <summary>A hunk's line count: absent is 1; unreadable is 0 (the hunk is skipped).</summary>
    private static int Count(Group group) =>
        !group.Success ? 1 : int.TryParse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;

    /// <summary>The path of a <c>+++</c> line: null for a deleted file, else without its <c>b/</c> prefix.</summary>
    private static string? NewPath(string text)
    {
        // git ends the name with a tab when it holds a space.
        var name = Unquote(text.TrimEnd('\t'));
        if (name is null || name == "/dev/null")
        {
            return null;
        }

        return name.StartsWith("b/", StringComparison.Ordinal) ? name[2..] : name;
    }

    /// <summary>A path as git writes it: as is, or in double quotes with C escapes (octal bytes of UTF-8) when unusual.</summary>
    private static string? Unquote(string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return text.Length == 0 ? null : text;
        }

        var bytes = new List<byte>(text.Length);
        var run = 1;
        for (var i = 1; i < text.Length - 1; i++)
        {
            if (text[i] != '\\' || i + 1 >= text.Length - 1)
            {
                continue;
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(text, run, i - run));
            var escaped = text[++i];
            if (escaped is >= '0' and <= '7')
            {
                var value = 0;
                for (var digits = 0; digits < 3 && i < text.Length - 1 && text[i] is >= '0' and <= '7'; digits++, i++)
                {
                    value = (value * 8) + (text[i] - '0');
                }

                bytes.Add((byte)value);
                run = i--;
                continue;
            }

            run = i + 1;
            bytes.AddRange(escaped switch
            {
                'n' => [(byte)'\n'],
                't' => [(byte)'\t'],
                'r' => [(byte)'\r'],
                'a' => [7],
                'b' => [8],
                'f' => [12],
                'v' => [11],
                _ => Encoding.UTF8.GetBytes(text, i, 1),
            });
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(text, run, text.Length - 1 - run));
        return Encoding.UTF8.GetString([.. bytes]);
    }

    [GeneratedRegex(@"^@@ -(?<oldStart>\d{1,10})(?:,(?<oldCount>\d{1,10}))? \+(?<newStart>\d{1,10})(?:,(?<newCount>\d{1,10}))? @@", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HunkHeader();
}

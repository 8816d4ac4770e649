using System.Text.RegularExpressions;

namespace GitHubBot.Core.CodeMigration;

/// <summary>The recipes of pyproject.toml and requirements files.</summary>
public static partial class MigrationRecipes
{
    /// <summary>Poetry's dependency tables: the package a string belongs to (<c>pkg = "^1.0"</c> or <c>pkg = { version = "^1.0" }</c>).</summary>
    private static string? PoetryName(List<string> path) => path switch
    {
        ["tool", "poetry", "dependencies" or "dev-dependencies", var name] => name,
        ["tool", "poetry", "dependencies" or "dev-dependencies", var name, "version"] => name,
        ["tool", "poetry", "group", _, "dependencies", var name] => name,
        ["tool", "poetry", "group", _, "dependencies", var name, "version"] => name,
        _ => null,
    };

    /// <summary>Arrays of PEP 508 requirements: PEP 621 dependencies and extras, PEP 735 groups, build requirements, uv's dev dependencies.</summary>
    private static bool RequirementList(List<string> path) =>
        path is ["project", "dependencies"] or ["project", "optional-dependencies", _] or ["dependency-groups", _] or ["build-system", "requires"] or ["tool", "uv", "dev-dependencies"];

    /// <summary>A PyPI name as PEP 503 compares it: runs of '-', '_' and '.' are one '-' (case is ignored by the callers).</summary>
    private static string PythonName(string name) => PythonSeparators().Replace(name.Trim(), "-");

    /// <summary>
    /// Walks a TOML text and reports every single-line string value with its full key path (tables and keys) and where
    /// its text starts. Not a validating parser: it only needs to find strings and their keys.
    /// </summary>
    private static void ScanToml(string text, Action<List<string>, int, string> found)
    {
        var table = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                i++;
            }
            else if (c == '#')
            {
                i = LineEnd(text, i);
            }
            else if (c == '[')
            {
                i += i + 1 < text.Length && text[i + 1] == '[' ? 2 : 1;
                table = TomlKey(text, ref i);
                i = LineEnd(text, i);
            }
            else
            {
                var start = i;
                var key = TomlKey(text, ref i);
                SkipBlanks(text, ref i);
                if (key.Count == 0 || i >= text.Length || text[i] != '=')
                {
                    i = Math.Max(LineEnd(text, start), start + 1);
                    continue;
                }

                i++;
                TomlValue(text, ref i, [.. table, .. key], found, 0);
                i = LineEnd(text, i);
            }
        }
    }

    private static int LineEnd(string text, int from)
    {
        var end = text.IndexOf('\n', Math.Min(from, text.Length));
        return end < 0 ? text.Length : end;
    }

    private static void SkipBlanks(string text, ref int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }
    }

    /// <summary>A dotted key (bare or quoted parts); empty when there is none.</summary>
    private static List<string> TomlKey(string text, ref int i)
    {
        var key = new List<string>();
        while (true)
        {
            SkipBlanks(text, ref i);
            if (i >= text.Length)
            {
                return key;
            }

            if (text[i] is '"' or '\'')
            {
                var end = text.IndexOf(text[i], i + 1);
                var line = LineEnd(text, i);
                if (end < 0 || end > line)
                {
                    return key;
                }

                key.Add(text[(i + 1)..end]);
                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-'))
                {
                    i++;
                }

                if (i == start)
                {
                    return key;
                }

                key.Add(text[start..i]);
            }

            SkipBlanks(text, ref i);
            if (i >= text.Length || text[i] != '.')
            {
                return key;
            }

            i++;
        }
    }

    private static void TomlValue(string text, ref int i, List<string> path, Action<List<string>, int, string> found, int depth)
    {
        SkipBlanks(text, ref i);
        if (i >= text.Length || depth > 32)
        {
            return;
        }

        var c = text[i];
        if (c is '"' or '\'')
        {
            var triple = new string(c, 3);
            if (text.AsSpan(i).StartsWith(triple, StringComparison.Ordinal))
            {
                var close = text.IndexOf(triple, i + 3, StringComparison.Ordinal);
                i = close < 0 ? text.Length : close + 3;
                return;
            }

            var start = i + 1;
            var j = start;
            while (j < text.Length && text[j] != c && text[j] != '\n')
            {
                j += c == '"' && text[j] == '\\' ? 2 : 1;
            }

            if (j < text.Length && text[j] == c && !text.AsSpan(start, j - start).Contains('\\'))
            {
                found(path, start, text[start..j]);
            }

            i = Math.Min(j + 1, text.Length);
        }
        else if (c == '[')
        {
            i++;
            while (i < text.Length)
            {
                while (i < text.Length && (text[i] is ' ' or '\t' or '\r' or '\n' or ',' || text[i] == '#'))
                {
                    i = text[i] == '#' ? LineEnd(text, i) : i + 1;
                }

                if (i >= text.Length || text[i] == ']')
                {
                    i = Math.Min(i + 1, text.Length);
                    return;
                }

                var before = i;
                TomlValue(text, ref i, path, found, depth + 1);
                i = i == before ? i + 1 : i;
            }
        }
        else if (c == '{')
        {
            i++;
            while (i < text.Length && text[i] != '\n')
            {
                SkipBlanks(text, ref i);
                if (i >= text.Length)
                {
                    return;
                }

                if (text[i] is '}' or ',')
                {
                    i++;
                    if (text[i - 1] == '}')
                    {
                        return;
                    }

                    continue;
                }

                var before = i;
                var key = TomlKey(text, ref i);
                SkipBlanks(text, ref i);
                if (key.Count == 0 || i >= text.Length || text[i] != '=')
                {
                    i = i == before ? i + 1 : i;
                    continue;
                }

                i++;
                TomlValue(text, ref i, [.. path, .. key], found, depth + 1);
            }
        }
        else
        {
            while (i < text.Length && text[i] is not (',' or ']' or '}' or '\n' or '#'))
            {
                i++;
            }
        }
    }

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex PythonSeparators();

    [GeneratedRegex(@"^[ \t]*(?<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)[ \t]*(?:\[[^\]\r\n]*\])?(?<spec>[^;#\\\r\n]*?)(?=[ \t]+--|[ \t]*[;#\\]|[ \t]*\r?$)")]
    private static partial Regex Requirement();

    [GeneratedRegex(@"^\s*\(?\s*(?<op>===|==|~=|!=|<=|>=|<|>|\^|~|=)?\s*(?<version>[0-9][0-9A-Za-z.*+!-]*)\s*\)?\s*$")]
    private static partial Regex Clause();

    private sealed partial class Recipe
    {
        private bool BumpsPython(string name) => subject.Packages.Any(p => PythonName(p).Equals(PythonName(name), StringComparison.OrdinalIgnoreCase));

        private void PyProject(ManifestFile file)
        {
            ScanToml(file.Text, (path, index, value) =>
            {
                if (Is(Python))
                {
                    if (path is ["project", "requires-python"] or ["tool", "poetry", "dependencies", "python"])
                    {
                        Clauses(file, Python, index, value, value);
                    }
                }
                else if (RequirementList(path))
                {
                    PythonRequirement(file, index, value);
                }
                else if (PoetryName(path) is { } name && name != Python && BumpsPython(name))
                {
                    Clauses(file, name, index, value, value.Trim().Length > 0 ? value.Trim() : "*");
                }
            });
        }

        private void Requirements(ManifestFile file)
        {
            var text = file.Text;
            for (var start = 0; start < text.Length;)
            {
                var end = LineEnd(text, start);
                if (PythonRequirement(file, start, text[start..end]))
                {
                    var block = end;
                    while (text[start..block].TrimEnd().EndsWith('\\') && block < text.Length)
                    {
                        block = LineEnd(text, block + 1);
                    }

                    if (text.AsSpan(start, block - start).Contains("--hash", StringComparison.Ordinal))
                    {
                        Notes.Add($"{file.Path}: the --hash pins of the bumped line belong to the old version; regenerate them (pip-compile --generate-hashes).");
                    }
                }

                start = end + 1;
            }
        }

        /// <summary>A PEP 508 requirement at <paramref name="index"/>; true when its version was bumped.</summary>
        private bool PythonRequirement(ManifestFile file, int index, string requirement)
        {
            var match = Requirement().Match(requirement);
            if (!match.Success || !BumpsPython(match.Groups["name"].Value))
            {
                return false;
            }

            var spec = match.Groups["spec"];
            return Clauses(file, match.Groups["name"].Value, index + spec.Index, spec.Value, spec.Value.Trim().Length > 0 ? spec.Value.Trim() : "*");
        }

        /// <summary>
        /// A comma-separated specifier (<c>&gt;=1.0,&lt;2</c>, <c>^1.0</c>, <c>==1.*</c>): the first pin or lower bound gets the
        /// target, its operator kept; an upper bound that would exclude the target is dropped with a note.
        /// </summary>
        private bool Clauses(ManifestFile file, string package, int index, string spec, string shown)
        {
            var parts = spec.Split(',');
            var pinned = -1;
            Match? pin = null;
            for (var i = 0; i < parts.Length && pin is null; i++)
            {
                var clause = Clause().Match(parts[i]);
                if (clause.Success && clause.Groups["op"].Value is "" or "==" or "===" or "~=" or ">=" or "^" or "~" or "=")
                {
                    (pin, pinned) = (clause, i);
                }
            }

            if (pin is null)
            {
                Found.Add(new ManifestVersion(file.Path, package, shown));
                Notes.Add($"{file.Path}: {package} is \"{shown}\", with no version to bump; left alone.");
                return false;
            }

            var version = pin.Groups["version"];
            if (!Decide(file, package, shown, version.Value))
            {
                return false;
            }

            var next = to;
            next += pin.Groups["op"].Value == "~=" && !to.Contains('.', StringComparison.Ordinal) ? ".0" : string.Empty;
            next += version.Value.EndsWith(".*", StringComparison.Ordinal) && !to.Contains('*', StringComparison.Ordinal) ? ".*" : string.Empty;
            var kept = new List<string>();
            var firstDropped = false;
            for (var i = 0; i < parts.Length; i++)
            {
                if (i == pinned)
                {
                    kept.Add(string.Concat(parts[i].AsSpan(0, version.Index), next, parts[i].AsSpan(version.Index + version.Length)));
                    continue;
                }

                var clause = Clause().Match(parts[i]);
                var op = clause.Groups["op"].Value;
                var compared = clause.Success ? CompareVersions(to, clause.Groups["version"].Value) : -1;
                if (!spec.Contains('(', StringComparison.Ordinal) && ((op == "<" && compared >= 0) || (op == "<=" && compared > 0)))
                {
                    Notes.Add($"{file.Path}: dropped the upper bound {parts[i].Trim()} of {package}; it would exclude {to}.");
                    firstDropped |= i == 0;
                    continue;
                }

                kept.Add(parts[i]);
            }

            var result = string.Join(",", kept);
            if (firstDropped)
            {
                result = parts[0][..(parts[0].Length - parts[0].TrimStart().Length)] + result.TrimStart();
            }

            file.Replace(index, spec.Length, result);
            return true;
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GitHubBot.Core.CodeMigration;

/// <summary>The recipes of package.json, MSBuild projects, global.json and the runtime version files.</summary>
public static partial class MigrationRecipes
{
    private static readonly string[] DependencySections = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

    /// <summary>NuGet packages that ship with each .NET release; a runtime bump mentions them.</summary>
    private static readonly string[] ReleasePackages = ["Microsoft.AspNetCore.", "Microsoft.EntityFrameworkCore", "Microsoft.Extensions."];

    /// <summary>Where a version literally names <paramref name="version"/> by itself (greeter-1.0.0.tgz, not 11.0.0 or 1.0.0.1).</summary>
    private static List<int> Occurrences(string text, string version)
    {
        var hits = new List<int>();
        var at = text.IndexOf(version, StringComparison.Ordinal);
        while (at >= 0)
        {
            var end = at + version.Length;
            var before = at == 0 || !(char.IsAsciiLetterOrDigit(text[at - 1]) || text[at - 1] == '.')
                || (text[at - 1] is 'v' or 'V' && (at == 1 || !char.IsAsciiLetterOrDigit(text[at - 2])));
            var after = end == text.Length || !(char.IsAsciiDigit(text[end]) || (text[end] == '.' && end + 1 < text.Length && char.IsAsciiDigit(text[end + 1])));
            if (before && after)
            {
                hits.Add(at);
            }

            at = text.IndexOf(version, before && after ? end : at + 1, StringComparison.Ordinal);
        }

        return hits;
    }

    /// <summary>The target framework of a .NET version: 10 → net10.0, 3.1 → netcoreapp3.1.</summary>
    private static string FrameworkName(string version)
    {
        var major = Component(version, 0) ?? 0;
        var minor = Component(version, 1) ?? 0;
        return string.Create(CultureInfo.InvariantCulture, $"{(major >= 5 ? "net" : "netcoreapp")}{major}.{minor}");
    }

    private static bool SameRelease(string left, string right) =>
        Component(left, 0) == Component(right, 0) && (Component(left, 1) ?? 0) == (Component(right, 1) ?? 0);

    [GeneratedRegex(@"^\s*(?<prefix>\^|~|>=|=|v)?\s*(?<version>[0-9]+(?:\.(?:[0-9]+|[xX*]))*(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*$")]
    private static partial Regex NpmVersion();

    [GeneratedRegex(@"^\s*(?:\[\s*(?<version>[0-9]+(?:\.[0-9]+)*(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*\]|(?<version>[0-9]+(?:\.[0-9]+)*(?:\.\*)?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?))\s*$")]
    private static partial Regex NuGetVersion();

    [GeneratedRegex(@"^v?(?<version>[0-9]+(?:\.[0-9]+)*)$")]
    private static partial Regex RuntimeVersion();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex XmlComment();

    [GeneratedRegex(@"<(?<tag>PackageReference|PackageVersion|GlobalPackageReference)\b(?<attributes>[^>]*?)(?<self>/?)>", RegexOptions.IgnoreCase)]
    private static partial Regex MsBuildItem();

    [GeneratedRegex(@"(?<name>[A-Za-z_][\w.-]*)\s*=\s*(?:""(?<value>[^""]*)""|'(?<value>[^']*)')")]
    private static partial Regex XmlAttribute();

    [GeneratedRegex(@"<(?<tag>Version|VersionOverride)>(?<value>[^<]*)</\k<tag>\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex ChildVersion();

    [GeneratedRegex(@"<(?<tag>TargetFrameworks?)(?:\s[^>]*)?>(?<value>[^<]*)</\k<tag>\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex TargetFrameworkElement();

    [GeneratedRegex(@"^(?<name>netcoreapp|net)(?<version>[0-9]+\.[0-9]+)(?<platform>-[0-9A-Za-z.]+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex ModernFramework();

    [GeneratedRegex(@"[^;\s]+")]
    private static partial Regex ListEntry();

    [GeneratedRegex(@"\S+")]
    private static partial Regex FirstToken();

    /// <summary>A string property two levels deep in a JSON file (<c>dependencies.react</c>), where its text starts.</summary>
    private sealed record JsonEntry(string Section, string Property, int Index, string Value);

    /// <summary>One bump: the subject, the bare versions, and what it has found and noted so far.</summary>
    private sealed partial class Recipe(MigrationSubject subject, string from, string to)
    {
        public List<ManifestVersion> Found { get; } = [];

        public List<string> Notes { get; } = [];

        public HashSet<ManifestKind> Edited { get; } = [];

        public void Read(ManifestFile file, ManifestKind kind)
        {
            switch (kind)
            {
                case ManifestKind.PackageJson when subject.Packages.Count > 0 || Is(Node):
                    PackageJson(file);
                    break;
                case ManifestKind.MsBuild when subject.Kind == Package || Is(DotNet):
                    MsBuild(file);
                    break;
                case ManifestKind.GlobalJson when Is(DotNet):
                    GlobalJson(file);
                    break;
                case ManifestKind.PyProject when subject.Kind == Package || Is(Python):
                    PyProject(file);
                    break;
                case ManifestKind.Requirements when subject.Kind == Package:
                    Requirements(file);
                    break;
                case ManifestKind.NodeVersion when Is(Node):
                    VersionFile(file, Node);
                    break;
                case ManifestKind.PythonVersion when Is(Python):
                    VersionFile(file, Python);
                    break;
                default:
                    break;
            }
        }

        public void Finish()
        {
            if (Found.Count == 0)
            {
                Notes.Add(subject.Type switch
                {
                    DotNet when subject.Kind == Runtime => "No manifest sets a .NET version (TargetFramework, TargetFrameworks or global.json's sdk).",
                    Node when subject.Kind == Runtime => "No manifest sets a Node.js version (engines.node, .nvmrc, .node-version) or depends on @types/node.",
                    Python when subject.Kind == Runtime => "No manifest sets a Python version (requires-python, Poetry's python, .python-version).",
                    _ => $"No manifest depends on {string.Join(", ", subject.Packages)}.",
                });
            }

            if (Edited.Contains(ManifestKind.PyProject) || Edited.Contains(ManifestKind.Requirements))
            {
                Notes.Add("Python lock files (poetry.lock, uv.lock, pip-compile outputs) are not rewritten by the recipe; regenerate them after the bump.");
            }
        }

        private bool Is(string runtime) => subject.Kind == Runtime && string.Equals(subject.Type, runtime, StringComparison.Ordinal);

        private bool Bumps(string package) => subject.Packages.Contains(package.Trim(), StringComparer.OrdinalIgnoreCase);

        /// <summary>Records a dependency; true when its <paramref name="version"/> (the number, no prefix) is to become the target.</summary>
        private bool Decide(ManifestFile file, string package, string shown, string version)
        {
            Found.Add(new ManifestVersion(file.Path, package, shown));
            if (AlreadyAt(version, to))
            {
                Notes.Add($"{file.Path}: {package} is already at {shown}.");
                return false;
            }

            if (Major(version) != Major(from))
            {
                Notes.Add($"{file.Path}: {package} was at {Bare(version)}, not {from}; bumped to {to} anyway.");
            }

            return true;
        }

        private void PackageJson(ManifestFile file)
        {
            foreach (var entry in JsonEntries(file))
            {
                if (DependencySections.Contains(entry.Section, StringComparer.Ordinal) && Bumps(entry.Property))
                {
                    NpmSpec(file, entry.Property, entry.Index, entry.Value);
                }
                else if (Is(Node) && entry.Section == "engines" && entry.Property == Node)
                {
                    NpmSpec(file, Node, entry.Index, entry.Value);
                }
            }
        }

        /// <summary>A plain version keeps its range prefix; a path, URL or alias has the from version replaced where it names it.</summary>
        private void NpmSpec(ManifestFile file, string package, int index, string spec)
        {
            var plain = NpmVersion().Match(spec);
            if (plain.Success)
            {
                var version = plain.Groups["version"];
                if (Decide(file, package, spec, version.Value))
                {
                    file.Replace(index + version.Index, version.Length, to);
                }

                return;
            }

            Found.Add(new ManifestVersion(file.Path, package, spec));
            var named = spec.Contains(':', StringComparison.Ordinal) || spec.Contains('/', StringComparison.Ordinal);
            var hits = named ? Occurrences(spec, from) : [];
            if (hits.Count > 0)
            {
                hits.ForEach(hit => file.Replace(index + hit, from.Length, to));
            }
            else if (named && Occurrences(spec, to).Count > 0)
            {
                Notes.Add($"{file.Path}: {package} is already at {spec}.");
            }
            else
            {
                Notes.Add($"{file.Path}: {package} is \"{spec}\", which is not a version and does not name {from}; left alone.");
            }
        }

        private List<JsonEntry> JsonEntries(ManifestFile file)
        {
            var entries = new List<JsonEntry>();
            var bytes = Encoding.UTF8.GetBytes(file.Text);
            var skip = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            var reader = new Utf8JsonReader(bytes.AsSpan(skip), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var parents = new List<string?>();
            string? property = null;
            try
            {
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.PropertyName:
                            property = reader.GetString();
                            continue;
                        case JsonTokenType.StartObject or JsonTokenType.StartArray:
                            parents.Add(property);
                            break;
                        case JsonTokenType.EndObject or JsonTokenType.EndArray:
                            parents.RemoveAt(parents.Count - 1);
                            break;
                        case JsonTokenType.String when parents.Count == 2 && parents[1] is { } section && property is not null && !reader.ValueIsEscaped:
                            var start = skip + (int)reader.TokenStartIndex + 1;
                            entries.Add(new JsonEntry(section, property, Encoding.UTF8.GetCharCount(bytes, 0, start), Encoding.UTF8.GetString(bytes, start, reader.ValueSpan.Length)));
                            break;
                        default:
                            break;
                    }

                    property = null;
                }
            }
            catch (JsonException)
            {
                Notes.Add($"{file.Path}: not valid JSON; left alone.");
                return [];
            }

            return entries;
        }

        private void GlobalJson(ManifestFile file)
        {
            var entries = JsonEntries(file);
            var rollForward = entries.FirstOrDefault(e => e.Section == "sdk" && e.Property == "rollForward");
            var sdk = to.Split('.').Length >= 3 ? to : string.Create(CultureInfo.InvariantCulture, $"{Component(to, 0) ?? 0}.{Component(to, 1) ?? 0}.100");
            foreach (var entry in entries.Where(e => e.Section == "sdk" && e.Property == "version"))
            {
                Found.Add(new ManifestVersion(file.Path, "sdk", entry.Value));
                if (entry.Value == sdk || (to.Split('.').Length < 3 && SameRelease(entry.Value, to)))
                {
                    Notes.Add($"{file.Path}: the SDK is already at {entry.Value}.");
                    continue;
                }

                if (!SameRelease(entry.Value, from))
                {
                    Notes.Add($"{file.Path}: the SDK was at {entry.Value}, not {from}; set to {sdk} anyway.");
                }

                file.Replace(entry.Index, entry.Value.Length, sdk);
                var band = string.Create(CultureInfo.InvariantCulture, $"{Component(sdk, 0)}.{Component(sdk, 1)}.{(Component(sdk, 2) ?? 100) / 100}xx");
                Notes.Add(rollForward is null
                    ? $"{file.Path}: the SDK is pinned to {sdk}; with no rollForward only the {band} feature band satisfies it (set rollForward, such as latestFeature, to accept later bands)."
                    : $"{file.Path}: the SDK is pinned to {sdk}; its rollForward \"{rollForward.Value}\" decides which feature bands also satisfy it.");
            }
        }

        private void MsBuild(ManifestFile file)
        {
            var text = file.Text;
            var comments = XmlComment().Matches(text).Select(m => (Start: m.Index, End: m.Index + m.Length)).ToList();
            bool Commented(int at) => comments.Exists(c => at >= c.Start && at < c.End);
            var released = new List<string>();
            foreach (Match item in MsBuildItem().Matches(text))
            {
                if (Commented(item.Index))
                {
                    continue;
                }

                string? id = null;
                Group? version = null;
                var attributes = item.Groups["attributes"];
                for (var attribute = XmlAttribute().Match(text, attributes.Index, attributes.Length); attribute.Success; attribute = attribute.NextMatch())
                {
                    var name = attribute.Groups["name"].Value;
                    if (name.Equals("Include", StringComparison.OrdinalIgnoreCase) || (name.Equals("Update", StringComparison.OrdinalIgnoreCase) && id is null))
                    {
                        id = attribute.Groups["value"].Value.Trim();
                    }
                    else if (name.Equals("Version", StringComparison.OrdinalIgnoreCase) || name.Equals("VersionOverride", StringComparison.OrdinalIgnoreCase))
                    {
                        version = attribute.Groups["value"];
                    }
                }

                var end = item.Index + item.Length;
                var close = item.Groups["self"].Length == 0 ? text.IndexOf("</" + item.Groups["tag"].Value, end, StringComparison.OrdinalIgnoreCase) : -1;
                if (version is null && close > end && ChildVersion().Match(text, end, close - end) is { Success: true } child)
                {
                    version = child.Groups["value"];
                }

                if (id is null || version is null)
                {
                    continue;
                }

                if (subject.Kind == Package && Bumps(id))
                {
                    NuGet(file, id, version.Index, version.Value);
                }
                else if (Is(DotNet) && Array.Exists(ReleasePackages, p => id.StartsWith(p, StringComparison.OrdinalIgnoreCase)) && Major(version.Value) == Major(from))
                {
                    released.Add(id);
                }
            }

            if (released.Count > 0)
            {
                Notes.Add($"{file.Path}: {string.Join(", ", released.Distinct(StringComparer.OrdinalIgnoreCase))} follow the .NET releases (now {Major(from)}.x); move them to {Major(to)}.x with the runtime.");
            }

            if (Is(DotNet))
            {
                TargetFrameworks(file, Commented);
            }
        }

        private void NuGet(ManifestFile file, string id, int index, string raw)
        {
            var plain = NuGetVersion().Match(raw);
            if (plain.Success)
            {
                var version = plain.Groups["version"];
                if (Decide(file, id, raw.Trim(), version.Value))
                {
                    file.Replace(index + version.Index, version.Length, to);
                }

                return;
            }

            Found.Add(new ManifestVersion(file.Path, id, raw));
            Notes.Add(raw.Contains("$(", StringComparison.Ordinal)
                ? $"{file.Path}: {id} takes its version from {raw.Trim()}; update that property by hand."
                : $"{file.Path}: {id} is \"{raw}\", a range rather than a version; left alone.");
        }

        /// <summary>TargetFramework(s) entries that are <c>net{from}</c> become <c>net{to}</c>; a platform suffix (-windows) stays.</summary>
        private void TargetFrameworks(ManifestFile file, Func<int, bool> commented)
        {
            var target = FrameworkName(to);
            foreach (Match element in TargetFrameworkElement().Matches(file.Text))
            {
                if (commented(element.Index))
                {
                    continue;
                }

                var value = element.Groups["value"];
                foreach (Match entry in ListEntry().Matches(value.Value))
                {
                    var framework = ModernFramework().Match(entry.Value);
                    if (!framework.Success)
                    {
                        continue;
                    }

                    var version = framework.Groups["version"].Value;
                    Found.Add(new ManifestVersion(file.Path, "TargetFramework", entry.Value));
                    if (SameRelease(version, to))
                    {
                        Notes.Add($"{file.Path}: {entry.Value} is already the target.");
                    }
                    else if (SameRelease(version, from))
                    {
                        file.Replace(value.Index + entry.Index, framework.Groups["name"].Length + version.Length, target);
                    }
                    else
                    {
                        Notes.Add($"{file.Path}: {entry.Value} is not {FrameworkName(from)}; left alone.");
                    }
                }
            }
        }

        /// <summary>.nvmrc, .node-version, .python-version: the version on the first line, its v prefix and the rest kept.</summary>
        private void VersionFile(ManifestFile file, string runtime)
        {
            var token = FirstToken().Match(file.Text);
            if (!token.Success)
            {
                Notes.Add($"{file.Path}: empty; left alone.");
                return;
            }

            var plain = RuntimeVersion().Match(token.Value);
            if (!plain.Success)
            {
                Found.Add(new ManifestVersion(file.Path, runtime, token.Value));
                Notes.Add($"{file.Path}: \"{token.Value}\" is not a version; left alone.");
                return;
            }

            var version = plain.Groups["version"];
            if (Decide(file, runtime, token.Value, version.Value))
            {
                file.Replace(token.Index + version.Index, version.Length, to);
            }
        }
    }
}

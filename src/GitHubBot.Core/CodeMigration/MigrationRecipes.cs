using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.CodeMigration;

/// <summary>
/// What a migration type means to the recipes: the <paramref name="Type"/> normalised (<c>react</c> for
/// <c>react-upgrade</c>), its <paramref name="Kind"/> (<see cref="MigrationRecipes.Framework"/>,
/// <see cref="MigrationRecipes.Runtime"/>, <see cref="MigrationRecipes.Package"/> or <see cref="MigrationRecipes.FreeForm"/>)
/// and the <paramref name="Packages"/> a version bump changes.
/// </summary>
public sealed record MigrationSubject(string Type, string Kind, IReadOnlyList<string> Packages);

/// <summary>
/// One dependency found in a manifest. <paramref name="Version"/> is the text the manifest has before the bump
/// (<c>^16.14.0</c>, <c>net8.0</c>, <c>&gt;=1.0,&lt;2</c>; <c>*</c> when it pins none).
/// </summary>
public sealed record ManifestVersion(string Path, string Package, string Version);

/// <summary>
/// The recipe's answer: whole-file edits (one per changed manifest, by path), every dependency of the subject it saw,
/// and notes for the analysis (what was left alone and why).
/// </summary>
public sealed record RecipeResult(IReadOnlyList<FileEdit> Edits, IReadOnlyList<ManifestVersion> Found, IReadOnlyList<string> Notes)
{
    public bool Changes => Edits.Count > 0;
}

/// <summary>
/// A known API change of a framework: the <paramref name="Old"/> text as it appears in source files (counted as is),
/// what replaces it, and why.
/// </summary>
public sealed record ApiChange(string Old, string New, string Note);

/// <summary>
/// The deterministic part of <c>/migrate &lt;type&gt; &lt;from&gt; &lt;to&gt;</c>: version bumps in manifests (package.json,
/// MSBuild projects, global.json, pyproject.toml, requirements files, .nvmrc and friends), without any LLM. Only the
/// version text changes; nothing is parsed and written back, so the rest of each file stays byte for byte.
/// </summary>
public static partial class MigrationRecipes
{
    /// <summary>Manifests bigger than this (in UTF-8 bytes) are skipped with a note.</summary>
    public const int MaxManifestBytes = 512 * 1024;

    /// <summary>The longest migration type <see cref="Subject"/> accepts.</summary>
    public const int MaxTypeLength = 100;

    /// <summary>A framework whose packages move together (react).</summary>
    public const string Framework = "framework";

    /// <summary>A runtime: dotnet, node or python.</summary>
    public const string Runtime = "runtime";

    /// <summary>Any other npm, NuGet or PyPI package, by its name.</summary>
    public const string Package = "package";

    /// <summary>Anything else ("class components to hooks"): no recipe, the agents do the work.</summary>
    public const string FreeForm = "free-form";

    private const string React = "react";
    private const string DotNet = "dotnet";
    private const string Node = "node";
    private const string Python = "python";

    private static readonly string[] Suffixes = ["-upgrade", "_upgrade", " upgrade", "-migration", "_migration", " migration", "-update", " update"];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["react"] = React,
        ["reactjs"] = React,
        ["react.js"] = React,
        ["react-js"] = React,
        ["dotnet"] = DotNet,
        [".net"] = DotNet,
        ["net"] = DotNet,
        ["dotnetcore"] = DotNet,
        ["dotnet-core"] = DotNet,
        [".net-core"] = DotNet,
        [".net core"] = DotNet,
        ["netcore"] = DotNet,
        ["dotnet-sdk"] = DotNet,
        ["dotnet-runtime"] = DotNet,
        ["node"] = Node,
        ["nodejs"] = Node,
        ["node.js"] = Node,
        ["node-js"] = Node,
        ["python"] = Python,
        ["python3"] = Python,
        ["cpython"] = Python,
        ["py"] = Python,
    };

    private static readonly string[] ExcludedFolders = ["node_modules", "bin", "obj", ".git"];

    private static readonly string[] ScriptExtensions = [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"];

    /// <summary>
    /// What a migration type means: <c>react</c> (also <c>React</c>, <c>reactjs</c>, <c>react-upgrade</c>) is a framework;
    /// <c>dotnet</c>, <c>node</c> and <c>python</c> (and their usual spellings) are runtimes; any other text that could be
    /// an npm, NuGet or PyPI name is that package, as given; the rest is free-form.
    /// </summary>
    /// <exception cref="ArgumentException">The type is empty or longer than <see cref="MaxTypeLength"/>.</exception>
    public static MigrationSubject Subject(string type)
    {
        var trimmed = (type ?? string.Empty).Trim();
        if (trimmed.Length == 0)
        {
            throw new ArgumentException("A migration needs a type: react, dotnet, node, python or a package name such as Newtonsoft.Json.", nameof(type));
        }

        if (trimmed.Length > MaxTypeLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A migration type has at most {MaxTypeLength} characters; this one has {trimmed.Length}."), nameof(type));
        }

        var name = trimmed;
        var suffix = Array.Find(Suffixes, s => name.Length > s.Length && name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
        if (suffix is not null && Aliases.ContainsKey(name[..^suffix.Length].TrimEnd()))
        {
            name = name[..^suffix.Length].TrimEnd();
        }

        if (Aliases.TryGetValue(name, out var known))
        {
            return known switch
            {
                React => new MigrationSubject(React, Framework, ["react", "react-dom", "@types/react", "@types/react-dom"]),
                Node => new MigrationSubject(Node, Runtime, ["@types/node"]),
                _ => new MigrationSubject(known, Runtime, []),
            };
        }

        return PackageName().IsMatch(trimmed)
            ? new MigrationSubject(trimmed, Package, [trimmed])
            : new MigrationSubject(Blanks().Replace(trimmed, " "), FreeForm, []);
    }

    /// <summary>
    /// Whether a file is a manifest the recipes read (<paramref name="path"/> repository-relative, '/'-separated):
    /// package.json, *.csproj, *.fsproj, *.vbproj, Directory.Packages.props, Directory.Build.props, global.json,
    /// pyproject.toml, requirements*.txt (and *.txt in a requirements/ folder), .nvmrc, .node-version, .python-version.
    /// Nothing under node_modules/, bin/, obj/ or .git/.
    /// </summary>
    public static bool IsManifest(string path) => KindOf(path) != ManifestKind.None;

    /// <summary>
    /// Bumps the subject's versions from <paramref name="from"/> to <paramref name="to"/> in the
    /// <paramref name="manifests"/> (path → text of files <see cref="IsManifest"/> accepted). Edits are whole files, one
    /// per changed manifest, by path; only version text changes. A free-form subject gets no edits and a note.
    /// </summary>
    /// <exception cref="ArgumentException">A subject with a recipe, and <paramref name="from"/> or <paramref name="to"/> is not <see cref="IsVersion"/>.</exception>
    public static RecipeResult Bump(MigrationSubject subject, string from, string to, IReadOnlyDictionary<string, string> manifests)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(manifests);
        if (!HasRecipe(subject))
        {
            return new RecipeResult([], [], [$"No recipe knows \"{subject.Type}\": it is not a framework, runtime or package name, so no manifest version is bumped."]);
        }

        if (!IsVersion(from))
        {
            throw new ArgumentException($"\"{from}\" is not a version (like 16.14.0, 18, v20 or net8.0).", nameof(from));
        }

        if (!IsVersion(to))
        {
            throw new ArgumentException($"\"{to}\" is not a version (like 16.14.0, 18, v20 or net8.0).", nameof(to));
        }

        var recipe = new Recipe(subject, Bare(from), Bare(to));
        var edits = new List<FileEdit>();
        foreach (var (path, text) in manifests.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var kind = KindOf(path);
            if (kind == ManifestKind.None || text is null)
            {
                recipe.Notes.Add($"{path}: not a manifest the recipes read; skipped.");
                continue;
            }

            if (Encoding.UTF8.GetByteCount(text) > MaxManifestBytes)
            {
                recipe.Notes.Add($"{path}: larger than 512 KiB; skipped, check its versions by hand.");
                continue;
            }

            var file = new ManifestFile(path, text);
            recipe.Read(file, kind);
            var changed = file.Result();
            if (!string.Equals(changed, text, StringComparison.Ordinal))
            {
                edits.Add(new FileEdit(path, Content: changed));
                recipe.Edited.Add(kind);
            }
        }

        recipe.Finish();
        return new RecipeResult(edits, recipe.Found, recipe.Notes);
    }

    /// <summary>
    /// Known API changes between two versions of a framework. React from 17 or older to 18 or newer: the legacy root
    /// API (render, hydrate, unmountComponentAtNode) and findDOMNode; to 19 or newer also what React 19 removed.
    /// Empty for everything else.
    /// </summary>
    public static IReadOnlyList<ApiChange> KnownApiChanges(MigrationSubject subject, string from, string to)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (!string.Equals(subject.Type, React, StringComparison.Ordinal) || Major(from ?? string.Empty) is not { } old || Major(to ?? string.Empty) is not { } next)
        {
            return [];
        }

        var changes = new List<ApiChange>();
        if (old < 18 && next >= 18)
        {
            changes.Add(new ApiChange("ReactDOM.render(", "createRoot(container).render(element), with createRoot from 'react-dom/client'", "React 18 deprecates the legacy root API; under it the app behaves as React 17, without concurrent features (removed in React 19)."));
            changes.Add(new ApiChange("ReactDOM.hydrate(", "hydrateRoot(container, element), with hydrateRoot from 'react-dom/client'", "Server-rendered markup is hydrated through the new root API; hydrate is deprecated in React 18 (removed in React 19)."));
            changes.Add(new ApiChange("unmountComponentAtNode(", "root.unmount(), on the root createRoot returned", "unmountComponentAtNode only knows legacy roots; keep the root and unmount it (removed in React 19)."));
            changes.Add(new ApiChange("findDOMNode(", "a ref on the DOM element (useRef or createRef)", "findDOMNode is deprecated (StrictMode warns) and removed in React 19; there is no drop-in replacement."));
            changes.Add(new ApiChange("renderToNodeStream(", "renderToPipeableStream(element, options)", "React 18 deprecates renderToNodeStream for the streaming API that supports Suspense."));
        }

        if (old < 19 && next >= 19)
        {
            changes.Add(new ApiChange(".propTypes =", "TypeScript types or checks of your own", "React 19 drops propTypes checks; they are silently ignored."));
            changes.Add(new ApiChange(".defaultProps =", "default values of the destructured props (classes keep defaultProps)", "React 19 removes defaultProps for function components."));
            changes.Add(new ApiChange("contextTypes", "createContext with useContext or static contextType", "React 19 removes legacy context (contextTypes, childContextTypes, getChildContext)."));
            changes.Add(new ApiChange("createFactory(", "JSX or createElement(type)", "React 19 removes createFactory."));
            changes.Add(new ApiChange("react-dom/test-utils", "act from 'react'", "React 19 removes react-dom/test-utils; act moved to react."));
        }

        return changes;
    }

    /// <summary>
    /// Whether a source file uses the subject. npm packages: <c>require('pkg')</c>, <c>import … from 'pkg'</c>,
    /// <c>import 'pkg'</c>, <c>import('pkg')</c>, also subpaths <c>'pkg/x'</c>; react also counts every .jsx and .tsx file.
    /// .cs/.razor/.fs/.vb: <c>using Pkg</c>, <c>using Pkg.Sub</c>, <c>open Pkg</c>, <c>Imports Pkg</c> (the package id as
    /// namespace, any case). .py: <c>import pkg</c>, <c>from pkg import</c> ('-' in the name read as '_'). Runtimes and
    /// free-form types: false, they have no package usages.
    /// </summary>
    public static bool References(MigrationSubject subject, string path, string text)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Kind is not (Framework or Package) || string.IsNullOrEmpty(path) || string.IsNullOrEmpty(text))
        {
            return false;
        }

        var name = path.Replace('\\', '/');
        var extension = name.LastIndexOf('.') is var dot && dot > name.LastIndexOf('/') && dot >= 0 ? name[dot..] : string.Empty;
        if (ScriptExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            if (string.Equals(subject.Type, React, StringComparison.Ordinal) && extension.ToUpperInvariant() is ".JSX" or ".TSX")
            {
                return true;
            }

            return subject.Packages.Any(p => Matches(text, $"""(?:\brequire|\bimport)\s*\(?\s*(['"]){Regex.Escape(p)}(?:/[^'"\r\n]*)?\1|\bfrom\s*(['"]){Regex.Escape(p)}(?:/[^'"\r\n]*)?\2"""));
        }

        var namespaces = subject.Packages.Where(p => DottedName().IsMatch(p)).Select(Regex.Escape).ToList();
        switch (extension.ToUpperInvariant())
        {
            case ".CS" or ".CSX" or ".RAZOR" or ".CSHTML":
                return namespaces.Exists(n => Matches(text, $@"^[ \t]*@?(?:global[ \t]+)?using[ \t]+(?:static[ \t]+)?(?:\w+[ \t]*=[ \t]*)?{n}(?:\.[\w.]*)?[ \t]*(?:;|\r?$)"));
            case ".FS" or ".FSX" or ".FSI":
                return namespaces.Exists(n => Matches(text, $@"^[ \t]*open[ \t]+(?:type[ \t]+)?{n}(?:\.[\w.]*)?[ \t]*\r?$"));
            case ".VB":
                return namespaces.Exists(n => Matches(text, $@"^[ \t]*Imports[ \t]+(?:\w+[ \t]*=[ \t]*)?{n}(?:\.[\w.]*)?[ \t]*(?:'.*)?\r?$"));
            case ".PY" or ".PYI":
                return subject.Packages.Select(p => p.Replace('-', '_')).Where(m => DottedName().IsMatch(m)).Select(Regex.Escape).Any(m => Matches(
                    text,
                    $@"^[ \t]*(?:from[ \t]+{m}(?:\.[\w.]+)?[ \t]+import\b|import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*{m}(?:\.[\w.]+)?(?:[ \t]+as[ \t]+\w+)?[ \t]*(?:,|;|#|\r?$))"));
            default:
                return false;
        }
    }

    /// <summary>
    /// Whether a text is a plausible version for <c>/migrate</c>: 1 to 64 characters of letters, digits and
    /// <c>. + - _ *</c>, starting with a digit, or with <c>v</c> or <c>net</c> (<c>netcoreapp</c>) and a digit:
    /// <c>16.14.0</c>, <c>18</c>, <c>18.x</c>, <c>v20</c>, <c>3.12</c>, <c>net10.0</c>, <c>2.0.0-rc.1</c>. Spaces, quotes,
    /// slashes, semicolons and anything else are refused, so a version can go into a manifest as is.
    /// </summary>
    public static bool IsVersion(string text) => text is { Length: >= 1 and <= 64 } && VersionText().IsMatch(text);

    private static bool HasRecipe(MigrationSubject subject) => subject.Kind switch
    {
        Framework => string.Equals(subject.Type, React, StringComparison.Ordinal),
        Runtime => subject.Type is DotNet or Node or Python,
        Package => subject.Packages.Count > 0,
        _ => false,
    };

    private static bool Matches(string text, string pattern) =>
        Regex.IsMatch(text, pattern, RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));

    private static ManifestKind KindOf(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return ManifestKind.None;
        }

        var parts = path.Replace('\\', '/').Trim().Split('/');
        if (parts[..^1].Any(part => ExcludedFolders.Contains(part, StringComparer.OrdinalIgnoreCase)))
        {
            return ManifestKind.None;
        }

        var name = parts[^1];
        var folder = parts.Length > 1 ? parts[^2] : string.Empty;
        return name switch
        {
            "package.json" => ManifestKind.PackageJson,
            "global.json" => ManifestKind.GlobalJson,
            "pyproject.toml" => ManifestKind.PyProject,
            ".nvmrc" or ".node-version" => ManifestKind.NodeVersion,
            ".python-version" => ManifestKind.PythonVersion,
            _ when name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".fsproj", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".vbproj", StringComparison.OrdinalIgnoreCase) || name.Equals("Directory.Packages.props", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Directory.Build.props", StringComparison.OrdinalIgnoreCase) => ManifestKind.MsBuild,
            _ when name.EndsWith(".txt", StringComparison.Ordinal)
                && (name.StartsWith("requirements", StringComparison.Ordinal) || folder.Equals("requirements", StringComparison.Ordinal)) => ManifestKind.Requirements,
            _ => ManifestKind.None,
        };
    }

    /// <summary>A version without its <c>v</c> or <c>net</c> prefix: v20 → 20, net8.0 → 8.0.</summary>
    private static string Bare(string version)
    {
        var v = version.Trim();
        foreach (var prefix in (string[])["v", "netcoreapp", "net"])
        {
            if (v.Length > prefix.Length && v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(v[prefix.Length]))
            {
                return v[prefix.Length..];
            }
        }

        return v;
    }

    private static int? Major(string version) => Component(Bare(version), 0);

    /// <summary>The <paramref name="index"/>th dot-separated number of a version (its leading digits), or null.</summary>
    private static int? Component(string version, int index)
    {
        var parts = version.Split('.');
        if (index >= parts.Length)
        {
            return null;
        }

        var digits = parts[index].TakeWhile(char.IsAsciiDigit).Count();
        return digits is > 0 and < 10 ? int.Parse(parts[index].AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Compares two versions number by number (missing numbers are 0).</summary>
    private static int CompareVersions(string left, string right)
    {
        var count = Math.Max(left.Split('.').Length, right.Split('.').Length);
        for (var i = 0; i < count; i++)
        {
            var compared = (Component(left, i) ?? 0).CompareTo(Component(right, i) ?? 0);
            if (compared != 0)
            {
                return compared;
            }
        }

        return 0;
    }

    /// <summary>Whether a version already is the target, or a more precise form of it (18.2.0 for 18).</summary>
    private static bool AlreadyAt(string version, string to)
    {
        var bare = Bare(version);
        return bare.Equals(to, StringComparison.OrdinalIgnoreCase) || (bare.StartsWith(to + ".", StringComparison.OrdinalIgnoreCase) && !to.Contains('*', StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^(?:@[A-Za-z0-9][A-Za-z0-9._~-]*/)?[A-Za-z0-9_][A-Za-z0-9._~-]*$")]
    private static partial Regex PackageName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex DottedName();

    [GeneratedRegex(@"^(?:[0-9]|[vV][0-9]|(?i:net(?:coreapp)?)[0-9])[0-9A-Za-z.+_*-]*$")]
    private static partial Regex VersionText();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Blanks();

    private enum ManifestKind
    {
        None,
        PackageJson,
        MsBuild,
        GlobalJson,
        PyProject,
        Requirements,
        NodeVersion,
        PythonVersion,
    }

    /// <summary>A manifest's text and the version replacements found in it, applied at the end in one go.</summary>
    private sealed class ManifestFile(string path, string text)
    {
        private readonly List<(int Index, int Length, string Value)> replacements = [];

        public string Path => path;

        public string Text => text;

        public void Replace(int index, int length, string value) => replacements.Add((index, length, value));

        public string Result()
        {
            var result = new StringBuilder(text);
            foreach (var (index, length, value) in replacements.OrderByDescending(r => r.Index))
            {
                result.Remove(index, length).Insert(index, value);
            }

            return result.ToString();
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.Workspaces;

/// <summary>An edit of a file that sets how a change is judged, and what it changes there in words.</summary>
/// <param name="Path">The repository path.</param>
/// <param name="What">What the edit changes, e.g. "the scripts `test`, `lint`" or "lint configuration".</param>
public sealed record ConfigEdit(string Path, string What);

/// <summary>
/// The files that set the bar a change is judged by — how its tests run and are counted, how it is built and
/// linted, which packages it may fetch, what CI runs — and whether an edit changes them. Agents that write code may
/// not change them unless the repository allows it (<c>agents.allow_config_edits</c>), and a change that does is never
/// merged without a person.
/// </summary>
/// <remarks>
/// Some files are the bar as a whole (<c>.eslintrc.json</c>, <c>*.runsettings</c>, <c>conftest.py</c>, <c>.npmrc</c>,
/// CI workflows); others hold the bar beside ordinary content, and only that part counts: <c>package.json</c>'s
/// <c>scripts</c> and tool sections (its dependencies are the change's business), <c>pyproject.toml</c>'s and
/// <c>setup.cfg</c>'s test and lint tool sections, and an MSBuild file's warning, analyzer, coverage and test settings,
/// its analyzer and test packages, targets and imports. A dependency's version in <c>Directory.Packages.props</c> is
/// a dependency like one in <c>package.json</c> — migrations exist to change it —, but the file's properties and
/// global package references (analyzers for every project) are build configuration. A file whose bar part cannot be
/// read (broken JSON, TOML or XML after the edit) counts as changed.
/// </remarks>
public static class ConfigEdits
{
    /// <summary>
    /// Lint and analyzer configuration the quality gate's own static-analysis fixer is refused too (see
    /// <c>GateFixes.Suppresses</c>, which adds the manifests that also carry it). Kept as it was released: adding a name
    /// here changes what running gates decide.
    /// </summary>
    public static readonly IReadOnlyList<string> GateLintConfiguration = [".editorconfig", ".globalconfig", ".flake8", ".pylintrc", "pylintrc", "ruff.toml", ".ruff.toml", ".eslintignore"];

    /// <summary>The file-name prefixes of the gate's lint configuration (ESLint's files).</summary>
    public static readonly IReadOnlyList<string> GateLintPrefixes = [".eslintrc", "eslint.config."];

    private static readonly string[] LintNames = [.. GateLintConfiguration, "mypy.ini", ".mypy.ini", ".bandit", "stylecop.json", ".prettierignore", ".stylelintignore", ".jshintrc", ".pre-commit-config.yaml"];
    private static readonly string[] LintPrefixes = [.. GateLintPrefixes, ".prettierrc", "prettier.config.", ".stylelintrc", "stylelint.config.", ".golangci."];
    private static readonly string[] TestNames = ["conftest.py", "pytest.ini", ".coveragerc", "tox.ini", "testconfig.json"];
    private static readonly string[] TestPrefixes = ["jest.config.", "vitest.config.", "vitest.workspace.", ".mocharc", ".nycrc", ".c8rc", "karma.conf.", "playwright.config.", "cypress.config."];
    private static readonly string[] PackageSourceNames = [".npmrc", ".yarnrc", ".yarnrc.yml", "nuget.config", "pip.conf", ".pypirc", "Directory.Build.rsp"];
    private static readonly string[] CiNames = [".gitlab-ci.yml", ".travis.yml", "Jenkinsfile", "bitbucket-pipelines.yml", "CODEOWNERS"];
    private static readonly string[] CiDirectories = [".github/workflows/", ".github/actions/", ".circleci/", ".buildkite/"];
    private static readonly string[] MsBuildExtensions = [".csproj", ".fsproj", ".vbproj", ".props", ".targets"];

    /// <summary>package.json keys that configure the tests, their coverage and the linters.</summary>
    private static readonly string[] PackageJsonKeys = ["scripts", "eslintConfig", "jest", "nyc", "c8", "mocha", "ava", "prettier", "stylelint"];

    /// <summary>pyproject.toml's tools that run or judge the tests and the code: <c>[tool.X]</c> and its sub-tables.</summary>
    private static readonly string[] PyprojectTools = ["pytest", "coverage", "ruff", "pylint", "flake8", "mypy", "bandit", "pyright", "tox"];

    /// <summary>setup.cfg's sections for the same tools (a name ending in <c>*</c> is a prefix).</summary>
    private static readonly string[] SetupCfgSections = ["tool:pytest", "pytest", "flake8", "pycodestyle", "pydocstyle", "mypy", "mypy-*", "coverage:*", "pylint*", "bandit"];

    /// <summary>MSBuild properties that decide warnings, analyzers, nullability, test projects and coverage.</summary>
    private static readonly HashSet<string> MsBuildProperties = new(StringComparer.OrdinalIgnoreCase)
    {
        "TreatWarningsAsErrors", "WarningsAsErrors", "WarningsNotAsErrors", "NoWarn", "WarningLevel", "Nullable",
        "MSBuildTreatWarningsAsErrors", "MSBuildWarningsAsErrors", "MSBuildWarningsAsMessages", "MSBuildWarningsNotAsErrors",
        "EnableNETAnalyzers", "EnforceCodeStyleInBuild", "RunAnalyzers", "RunAnalyzersDuringBuild", "RunAnalyzersDuringLiveAnalysis",
        "CodeAnalysisRuleSet", "CodeAnalysisTreatWarningsAsErrors", "TreatWarningsAsErrorsForAnalyzers",
        "IsTestProject", "IsTestingPlatformApplication", "TestingPlatformDotnetTestSupport", "UseMicrosoftTestingPlatformRunner", "EnableMSTestRunner",
        "TestingPlatformCommandLineArguments", "RunSettingsFilePath", "VSTestTestCaseFilter", "VSTestSetting", "VSTestCollect", "VSTestBlame",
        "CollectCoverage", "CoverletOutputFormat", "CoverletOutput", "Threshold", "ThresholdType", "ThresholdStat", "Exclude", "Include",
        "ExcludeByFile", "ExcludeByAttribute", "IncludeTestAssembly", "SkipAutoProps", "ManagePackageVersionsCentrally",
    };

    /// <summary>MSBuild properties named by a prefix (AnalysisLevel, AnalysisModeSecurity, …).</summary>
    private static readonly string[] MsBuildPropertyPrefixes = ["AnalysisLevel", "AnalysisMode"];

    /// <summary>MSBuild items that bring analyzers or their configuration in, whatever their names.</summary>
    private static readonly HashSet<string> MsBuildItems = new(StringComparer.OrdinalIgnoreCase)
    {
        "GlobalPackageReference", "Analyzer", "EditorConfigFiles", "GlobalAnalyzerConfigFiles", "AdditionalFiles",
    };

    /// <summary>
    /// Whether an edit of <paramref name="path"/> can change the bar at all (for the others, nothing need be read). A
    /// file named here may still be changed harmlessly: <see cref="Change"/> decides on its contents.
    /// </summary>
    public static bool Watched(string path) => Kind(Edits.NormalizePath(path)) is not null;

    /// <summary>
    /// What an edit of <paramref name="path"/> from <paramref name="before"/> to <paramref name="after"/> changes of the
    /// bar, in words; null when nothing (or the file is not one of those). Null <paramref name="before"/>: the file is
    /// new; null <paramref name="after"/>: it was removed.
    /// </summary>
    public static string? Change(string path, string? before, string? after)
    {
        var normalized = Edits.NormalizePath(path);
        if (string.Equals(before, after, StringComparison.Ordinal))
        {
            return null;
        }

        return Kind(normalized) switch
        {
            null => null,
            FileKind.PackageJson => PackageJson(before, after),
            FileKind.Pyproject => Sections(before, after, PyprojectLines, "its tool settings"),
            FileKind.SetupCfg => Sections(before, after, SetupCfgLines, "its test and lint sections"),
            FileKind.MsBuild => MsBuild(before, after),
            FileKind.Lint => "lint configuration",
            FileKind.Test => "test configuration",
            FileKind.PackageSources => "package source or build switch configuration",
            _ => "CI configuration",
        };
    }

    /// <summary>The bar-changing edits among <paramref name="paths"/>, each read before and after, in path order.</summary>
    public static IReadOnlyList<ConfigEdit> Find(IEnumerable<string> paths, Func<string, string?> before, Func<string, string?> after)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var found = new List<ConfigEdit>();
        foreach (var path in paths.Select(Edits.NormalizePath).Where(Watched).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (Change(path, before(path), after(path)) is { } what)
            {
                found.Add(new ConfigEdit(path, what));
            }
        }

        return found;
    }

    /// <summary>The edits in one line, e.g. "`package.json` (the scripts `test`), `.eslintrc.json` (lint configuration)".</summary>
    public static string Describe(IEnumerable<ConfigEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(edits);
        return string.Join(", ", edits.Select(e => $"`{GitHubText.Inline(e.Path).Replace('`', '\'')}` ({e.What})"));
    }

    /// <summary>What a coder is told when its edits change the bar it is judged by (it is asked once more).</summary>
    public static string Refusal(IReadOnlyList<ConfigEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(edits);
        var text = new StringBuilder("Your edits change how the change is judged — test, build, lint or CI configuration — which this repository does not let agents do:\n");
        foreach (var edit in edits)
        {
            text.Append(CultureInfo.InvariantCulture, $"- `{edit.Path}`: {edit.What}\n");
        }

        text.Append("Leave those settings as they are and make the code meet them. Edits of such files that keep those settings (a dependency in package.json, a package version) are fine. ");
        text.Append("If those settings really must change, say so in your summary: a maintainer makes that change.");
        return text.ToString();
    }

    /// <summary>
    /// What a PR body says of the bar: the edits that were refused and left out, and those the repository allowed
    /// (which keep the PR from being merged automatically); empty when there are none.
    /// </summary>
    public static string PullRequestSection(IReadOnlyList<string> refused, IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(refused);
        ArgumentNullException.ThrowIfNull(allowed);
        if (refused.Count == 0 && allowed.Count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder("\n\n### Test, build and CI configuration\n\n");
        if (refused.Count > 0)
        {
            text.Append("The agents' edits of these were refused and are not in this PR (`agents.allow_config_edits` is off):\n\n");
            text.AppendJoin('\n', refused.Select(r => $"- {r}")).Append("\n\n");
        }

        if (allowed.Count > 0)
        {
            text.Append("The agents changed these (allowed by `agents.allow_config_edits`); GitHubBot never merges such a change by itself:\n\n");
            text.AppendJoin('\n', allowed.Select(r => $"- {r}")).Append('\n');
        }

        return text.ToString().TrimEnd() + "\n";
    }

    /// <summary>Why a change that passed its gate is not merged automatically.</summary>
    public static string NotMerged(IReadOnlyList<ConfigEdit> edits) =>
        $"it changes test, build or CI configuration ({Describe(edits.Take(10))}{(edits.Count > 10 ? ", …" : string.Empty)}), so a maintainer reviews and merges it";

    private enum FileKind
    {
        PackageJson,
        Pyproject,
        SetupCfg,
        MsBuild,
        Lint,
        Test,
        PackageSources,
        Ci,
    }

    private static FileKind? Kind(string path)
    {
        var name = Path.GetFileName(path);
        bool Named(IEnumerable<string> names) => names.Any(n => name.Equals(n, StringComparison.OrdinalIgnoreCase));
        bool Prefixed(IEnumerable<string> prefixes) => prefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase));
        return name switch
        {
            _ when CiDirectories.Any(d => path.StartsWith(d, StringComparison.OrdinalIgnoreCase)) || Named(CiNames)
                || path.Equals(".github/ghbot.yml", StringComparison.OrdinalIgnoreCase) || path.Equals(".github/ghbot.yaml", StringComparison.OrdinalIgnoreCase)
                || (name.StartsWith("azure-pipelines", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)) => FileKind.Ci,
            _ when name.Equals("package.json", StringComparison.OrdinalIgnoreCase) => FileKind.PackageJson,
            _ when name.Equals("pyproject.toml", StringComparison.OrdinalIgnoreCase) => FileKind.Pyproject,
            _ when name.Equals("setup.cfg", StringComparison.OrdinalIgnoreCase) => FileKind.SetupCfg,
            _ when MsBuildExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)) => FileKind.MsBuild,
            _ when Named(LintNames) || Prefixed(LintPrefixes) || name.EndsWith(".ruleset", StringComparison.OrdinalIgnoreCase) => FileKind.Lint,
            _ when Named(TestNames) || Prefixed(TestPrefixes) || name.EndsWith(".runsettings", StringComparison.OrdinalIgnoreCase) => FileKind.Test,
            _ when Named(PackageSourceNames) => FileKind.PackageSources,
            _ => null,
        };
    }

    /// <summary>The package.json keys that configure tests and linters, compared; the scripts by name.</summary>
    private static string? PackageJson(string? before, string? after)
    {
        if (!TryJson(before, out var was) || !TryJson(after, out var now))
        {
            return "it cannot be read as JSON, so its scripts cannot be told apart";
        }

        var changed = new List<string>();
        foreach (var key in PackageJsonKeys)
        {
            var old = was?[key];
            var current = now?[key];
            if (JsonNode.DeepEquals(old, current))
            {
                continue;
            }

            // A missing scripts object is an empty one: a new package.json names the scripts it brings.
            if (key == "scripts" && (old as JsonObject ?? (old is null ? [] : null)) is { } oldScripts && (current as JsonObject ?? (current is null ? [] : null)) is { } newScripts)
            {
                var names = oldScripts.Select(s => s.Key).Union(newScripts.Select(s => s.Key), StringComparer.Ordinal)
                    .Where(name => !JsonNode.DeepEquals(oldScripts[name], newScripts[name]))
                    .Order(StringComparer.Ordinal)
                    .Select(name => $"`{GitHubText.Inline(name).Replace('`', '\'')}`")
                    .ToList();
                changed.Add($"the scripts {string.Join(", ", names.Take(8))}{(names.Count > 8 ? ", …" : string.Empty)}");
            }
            else
            {
                changed.Add($"`{key}`");
            }
        }

        return changed.Count == 0 ? null : $"changes {string.Join(" and ", changed)}";
    }

    private static bool TryJson(string? text, out JsonNode? node)
    {
        node = null;
        if (text is null)
        {
            return true;
        }

        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Compares the lines of the watched sections; what differs is named by its sections.</summary>
    private static string? Sections(string? before, string? after, Func<string, IReadOnlyList<(string Section, string Line)>> lines, string what)
    {
        var was = before is null ? [] : lines(before);
        var now = after is null ? [] : lines(after);
        if (was.SequenceEqual(now))
        {
            return null;
        }

        var sections = was.Except(now).Concat(now.Except(was)).Select(l => l.Section).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(5).ToList();
        return sections.Count == 0 ? $"changes {what}" : $"changes {string.Join(", ", sections.Select(s => $"[{GitHubText.Inline(s)}]"))}";
    }

    /// <summary>
    /// pyproject.toml's lines that belong to a watched tool: in a <c>[tool.X…]</c> table, or a dotted key under
    /// <c>[tool]</c> or at the top (<c>tool.X.key = …</c>), continuation lines of such a key included. Blank lines and
    /// comments do not count.
    /// </summary>
    private static List<(string Section, string Line)> PyprojectLines(string text)
    {
        var found = new List<(string, string)>();
        var section = string.Empty;
        var keyWatched = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('[') && Header(line) is { } header)
            {
                section = header;
                keyWatched = false;
                if (PyprojectWatched(section))
                {
                    found.Add((section, line));
                }

                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? TomlKey(line[..equals]) : null;
            if (key is not null)
            {
                keyWatched = PyprojectWatched(section.Length == 0 ? key : $"{section}.{key}");
            }

            if (PyprojectWatched(section) || keyWatched)
            {
                found.Add((section.Length == 0 ? key ?? "top" : section, line));
            }
        }

        return found;
    }

    private static bool PyprojectWatched(string dotted) =>
        PyprojectTools.Any(tool => dotted.Equals($"tool.{tool}", StringComparison.OrdinalIgnoreCase) || dotted.StartsWith($"tool.{tool}.", StringComparison.OrdinalIgnoreCase));

    /// <summary>A table header's dotted name without quotes and spaces ("[ tool . \"pytest\" ]" → "tool.pytest"); null when the line is not one.</summary>
    private static string? Header(string line)
    {
        var inner = line.TrimStart('[');
        var close = inner.IndexOf(']', StringComparison.Ordinal);
        return close <= 0 ? null : TomlKey(inner[..close]);
    }

    /// <summary>A bare or quoted dotted key, normalized; null when it is not one.</summary>
    private static string? TomlKey(string text)
    {
        var parts = text.Split('.').Select(p => p.Trim().Trim('"', '\'')).ToList();
        return parts.All(p => p.Length > 0 && p.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or ':' or '*')) ? string.Join('.', parts) : null;
    }

    /// <summary>setup.cfg's lines in the sections of the tools that run or judge the tests and the code.</summary>
    private static List<(string Section, string Line)> SetupCfgLines(string text)
    {
        var found = new List<(string, string)>();
        var section = string.Empty;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1].Trim();
            }

            if (SetupCfgSections.Any(s => s.EndsWith('*') ? section.StartsWith(s[..^1], StringComparison.OrdinalIgnoreCase) : section.Equals(s, StringComparison.OrdinalIgnoreCase)))
            {
                found.Add((section, line));
            }
        }

        return found;
    }

    /// <summary>An MSBuild file's bar settings compared; what differs is named (properties and items by name).</summary>
    private static string? MsBuild(string? before, string? after)
    {
        var was = MsBuildSettings(before);
        var now = MsBuildSettings(after);
        if (was is null || now is null)
        {
            return "it cannot be read as MSBuild XML, so its build settings cannot be told apart";
        }

        if (was.SequenceEqual(now, StringComparer.Ordinal))
        {
            return null;
        }

        var names = was.Except(now, StringComparer.Ordinal).Concat(now.Except(was, StringComparer.Ordinal))
            .Select(s => s.Split('\u001f')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return $"changes {string.Join(", ", names.Take(6).Select(n => $"`{GitHubText.Inline(n).Replace('`', '\'')}`"))}{(names.Count > 6 ? ", …" : string.Empty)}";
    }

    /// <summary>
    /// The settings of an MSBuild file that judge a build, each as "name␟condition␟value", sorted: watched properties,
    /// analyzer items, analyzer, coverage and test-SDK packages (without their versions), targets, imports and
    /// compile removals. Empty for a missing file; null when it is not XML.
    /// </summary>
    private static List<string>? MsBuildSettings(string? text)
    {
        if (text is null)
        {
            return [];
        }

        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }

        var settings = new List<string>();
        foreach (var element in document.Descendants())
        {
            var name = element.Name.LocalName;
            var parent = element.Parent?.Name.LocalName;
            var condition = string.Join(" / ", element.AncestorsAndSelf().Select(e => (string?)e.Attribute("Condition")).OfType<string>().Reverse());
            if (parent is "PropertyGroup" && (MsBuildProperties.Contains(name) || MsBuildPropertyPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))))
            {
                settings.Add($"{name}\u001f{condition}\u001f{element.Value.Trim()}");
            }
            else if (parent is "ItemGroup" && (MsBuildItems.Contains(name) || (name is "PackageReference" or "PackageVersion" && JudgingPackage((string?)element.Attribute("Include") ?? (string?)element.Attribute("Update")))
                || (name == "Compile" && element.Attribute("Remove") is not null)))
            {
                settings.Add($"{name} {(string?)element.Attribute("Include") ?? (string?)element.Attribute("Update") ?? (string?)element.Attribute("Remove")}\u001f{condition}\u001f{Unversioned(element)}");
            }
            else if (name is "Target" or "UsingTask" or "Import" && parent is "Project" or "ImportGroup")
            {
                settings.Add($"{name} {(string?)element.Attribute("Name") ?? (string?)element.Attribute("Project") ?? (string?)element.Attribute("TaskName")}\u001f{condition}\u001f{element.ToString(SaveOptions.DisableFormatting)}");
            }
        }

        settings.Sort(StringComparer.Ordinal);
        return settings;
    }

    /// <summary>Packages that analyze the code, collect its coverage or make a project a test project.</summary>
    private static bool JudgingPackage(string? name) =>
        name is not null
        && (name.Contains("Analyzer", StringComparison.OrdinalIgnoreCase) || name.StartsWith("StyleCop.", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Roslynator", StringComparison.OrdinalIgnoreCase) || name.StartsWith("coverlet.", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Microsoft.NET.Test.Sdk", StringComparison.OrdinalIgnoreCase));

    /// <summary>An item with its version left out (versions are dependencies): its other attributes and metadata.</summary>
    private static string Unversioned(XElement item)
    {
        var attributes = item.Attributes().Where(a => a.Name.LocalName is not ("Version" or "VersionOverride" or "Condition")).Select(a => $"{a.Name.LocalName}={a.Value}");
        var metadata = item.Elements().Where(e => e.Name.LocalName is not ("Version" or "VersionOverride")).Select(e => $"{e.Name.LocalName}={e.Value.Trim()}");
        return string.Join(";", attributes.Concat(metadata).Order(StringComparer.Ordinal));
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.Config;

namespace GitHubBot.Core.QualityGate;

/// <summary>A check kind the gate does not run, and why (shown in the report instead of a bare "skipped").</summary>
public sealed record SkippedCheck(string Name, string Reason);

/// <summary>The checks detected on a repository without configured ones, and why the other kinds are skipped.</summary>
public sealed record DetectedChecks(IReadOnlyList<CheckConfig> Checks, IReadOnlyList<SkippedCheck> Skipped);

/// <summary>
/// The gate's eight checks chosen from a repository's files when <c>.github/ghbot.yml</c> configures none: for .NET,
/// Node and Python, each kind run by the ecosystem's standard tool with a report the gate parses. A kind the
/// repository has nothing for is skipped with the reason; a tool the worker may lack is named in
/// <see cref="CheckConfig.Requires"/>, so the check is neutral (not failed) where it is missing.
/// </summary>
/// <remarks>
/// Reports go under <see cref="ReportDirectory"/> of the check's own worktree. Commands are plain <c>/bin/sh</c>; paths
/// from the repository are single-quoted (<see cref="Quote"/>). The per-ecosystem rules are in
/// <c>CheckDetection.DotNet.cs</c>, <c>CheckDetection.Node.cs</c> and <c>CheckDetection.Python.cs</c>.
/// </remarks>
public static partial class CheckDetection
{
    /// <summary>Where detected checks write their reports, inside the check's worktree.</summary>
    public const string ReportDirectory = ".ghbot-reports";

    /// <summary>The most project and manifest files read for detection.</summary>
    public const int MaxManifests = 64;

    /// <summary>The largest manifest read for detection.</summary>
    public const int MaxManifestBytes = 256 * 1024;

    /// <summary>The files whose text detection reads (at most <see cref="MaxManifests"/>): project files, package.json, Python manifests.</summary>
    public static IReadOnlyList<string> ManifestsToRead(IReadOnlyCollection<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return [.. files
            .Where(f => f.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) || f is "package.json" or "pyproject.toml" or "setup.cfg")
            .OrderBy(f => f.Count(c => c == '/'))
            .ThenBy(f => f, StringComparer.Ordinal)
            .Take(MaxManifests)];
    }

    /// <summary>The checks of the first ecosystem found (.NET, then Node, then Python); none when no ecosystem is recognised.</summary>
    /// <param name="files">Repository-relative paths of the checkout's files.</param>
    /// <param name="texts">The texts of (some of) <see cref="ManifestsToRead"/>, by path.</param>
    public static DetectedChecks Detect(IReadOnlyCollection<string> files, IReadOnlyDictionary<string, string> texts)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(texts);
        var repo = new RepoFiles(files, texts);
        var found = DotNet(repo) ?? Node(repo) ?? Python(repo);
        if (found is null)
        {
            const string none = "nothing to check it with: no .NET solution or project, package.json or Python project (pyproject.toml, setup.cfg, setup.py, requirements.txt) was found, and .github/ghbot.yml configures no checks";
            return new DetectedChecks([], [.. CheckConfig.Names.Select(n => new SkippedCheck(n, none))]);
        }

        var checks = found.Checks.OrderBy(c => Order(c.Name)).ToList();
        var skipped = CheckConfig.Names
            .Where(n => checks.All(c => c.Name != n))
            .Select(n => new SkippedCheck(n, found.Skipped.TryGetValue(n, out var why) ? why : "not detected"))
            .ToList();
        return new DetectedChecks(checks, skipped);
    }

    /// <summary>A path for <c>/bin/sh</c>: single-quoted, so no character of it is special.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'";
    }

    /// <summary>The secret scan every detected ecosystem gets: gitleaks as well when the repository uses it.</summary>
    private static CheckConfig SecurityScan(RepoFiles repo) =>
        repo.Has(".gitleaks.toml")
            ? Check("security_scan", $"gitleaks detect --no-git --source . --redact --exit-code 0 --report-format sarif --report-path {ReportDirectory}/gitleaks.sarif", ReportFormat.Sarif, $"{ReportDirectory}/gitleaks.sarif", 2, true)
                with
            {
                Requires = [new("gitleaks", "command -v gitleaks", "see https://github.com/gitleaks/gitleaks#installing")],

                // The PR itself decides which files exist: a scanner it brings never replaces the built-in one.
                WithSecretScan = true,
            }
            : Check("security_scan", CheckConfig.SecretScan, ReportFormat.ExitCode, null, 2, true);

    private static CheckConfig Check(string name, string run, ReportFormat report, string? reportPath, double weight, bool required, string? fix = null) =>
        new(name, run, fix, CheckConfig.DefaultTimeout, weight, required, report, reportPath, Detected: true);

    private static int Order(string name)
    {
        for (var i = 0; i < CheckConfig.Names.Count; i++)
        {
            if (CheckConfig.Names[i] == name)
            {
                return i;
            }
        }

        return CheckConfig.Names.Count;
    }

    /// <summary>What one ecosystem's rules found: its checks, and why the kinds it has nothing for are skipped.</summary>
    private sealed record Found(List<CheckConfig> Checks, Dictionary<string, string> Skipped);

    /// <summary>The checkout's paths and the manifest texts that were read.</summary>
    private sealed class RepoFiles(IReadOnlyCollection<string> files, IReadOnlyDictionary<string, string> texts)
    {
        private readonly HashSet<string> set = new(files, StringComparer.Ordinal);

        public IReadOnlyCollection<string> All => files;

        public bool Has(string path) => set.Contains(path);

        public bool Any(Func<string, bool> match) => files.Any(match);

        public bool UnderDirectory(string directory) => files.Any(f => f.StartsWith(directory + "/", StringComparison.Ordinal));

        public string? Text(string path) => texts.TryGetValue(path, out var text) ? text : null;

        public JsonObject? Json(string path)
        {
            if (Text(path) is not { } text)
            {
                return null;
            }

            try
            {
                return JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}

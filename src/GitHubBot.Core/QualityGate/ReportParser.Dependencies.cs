using System.Globalization;
using System.Text;
using System.Text.Json;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>
/// Dependency audits: npm audit, pip-audit, dotnet list package --vulnerable. High and critical vulnerabilities fail;
/// an audit that could not reach its registry or vulnerability source is neutral, never a pass.
/// </summary>
public static partial class ReportParser
{
    /// <summary>Packages a dependency summary names.</summary>
    private const int MaxPackagesInSummary = 20;

    /// <summary>Annotations a dependency audit places on its manifest.</summary>
    private const int MaxDependencyAnnotations = 50;

    /// <summary>How much of the output's tail is searched for a network failure.</summary>
    private const int MaxOutputSearched = 64 * 1024;

    /// <summary>What a tool prints when the network, not the PR, is the problem.</summary>
    private static readonly string[] NetworkFailures =
    [
        "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "Connection refused",
        "Name or service not known", "Temporary failure in name resolution", "Max retries exceeded", "NewConnectionError",
        "Unable to load the service index", "NU1301", "Could not resolve host", "network is unreachable",
    ];

    /// <summary>npm's error codes for a registry it could not reach.</summary>
    private static readonly HashSet<string> NpmNetworkCodes = new(StringComparer.Ordinal)
    {
        "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH", "ESOCKETTIMEDOUT", "EPROTO", "ECONNABORTED",
    };

    /// <summary>What NuGet says when it could not load vulnerability data (on top of <see cref="NetworkFailures"/>).</summary>
    private static readonly string[] VulnerabilitySourceFailures =
    [
        "NU1900", "Unable to load", "No connection", "timed out", "did not provide any vulnerability data",
    ];

    private static bool IsDependencyFormat(ReportFormat format) =>
        format is ReportFormat.NpmAudit or ReportFormat.PipAudit or ReportFormat.DotnetVulnerable;

    private static CheckReport Neutral(string summary) => new(false, 0, summary, []) { Neutral = true };

    /// <summary>A neutral report quoting the first line of <paramref name="output"/> that shows a network failure, or null.</summary>
    private static CheckReport? Unreachable(string? output)
    {
        if (string.IsNullOrEmpty(output))
        {
            return null;
        }

        var tail = output.Length > MaxOutputSearched ? output[^MaxOutputSearched..] : output;
        foreach (var line in tail.Split('\n'))
        {
            if (NetworkFailures.FirstOrDefault(p => line.Contains(p, StringComparison.OrdinalIgnoreCase)) is { } pattern)
            {
                return Neutral($"The registry could not be reached ({pattern}): `{Quote(line.Trim())}` — the dependency check is neutral.");
            }
        }

        return null;
    }

    /// <summary><c>npm audit --json</c> (npm 7+), or the error object npm prints instead.</summary>
    private static CheckReport NpmAudit(string report, string? output)
    {
        using var document = JsonDocument.Parse(report);
        var root = document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement : throw new FormatException("an npm audit report is a JSON object");
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            return NpmError(root, error, output);
        }

        var packages = new List<VulnerablePackage>();
        if (root.TryGetProperty("vulnerabilities", out var vulnerabilities) && vulnerabilities.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in vulnerabilities.EnumerateObject())
            {
                var severity = Text(entry.Value, "severity") ?? "unknown";
                var advisories = Items(entry.Value, "via").Select(v => v.ValueKind == JsonValueKind.String ? $"via {v.GetString()}" : Text(v, "title")).OfType<string>().Take(3).ToList();
                var fix = entry.Value.TryGetProperty("fixAvailable", out var f) && f.ValueKind != JsonValueKind.False ? "fix available" : "no fix available";
                var range = Text(entry.Value, "range");
                packages.Add(new VulnerablePackage(entry.Name, range, severity, [.. advisories, fix], "package.json", Transitive: false));
            }
        }

        var counts = root.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("vulnerabilities", out var totals) && totals.ValueKind == JsonValueKind.Object
            ? new SeverityCounts(Number(totals, "critical") ?? 0, Number(totals, "high") ?? 0, Number(totals, "moderate") ?? 0, Number(totals, "low") ?? 0)
            : vulnerabilities.ValueKind == JsonValueKind.Object ? SeverityCounts.Of(packages.Select(p => p.Severity))
            : throw new FormatException("an npm audit report has vulnerabilities or metadata.vulnerabilities");
        return AuditReport("npm audit", counts, packages, null);
    }

    private static CheckReport NpmError(JsonElement root, JsonElement error, string? output)
    {
        var code = Text(error, "code");
        var text = new[] { Text(error, "summary"), Text(root, "message"), Text(error, "detail") }.FirstOrDefault(t => !string.IsNullOrWhiteSpace(t)) ?? string.Empty;
        if (code == "ENOLOCK")
        {
            return Neutral($"npm audit needs a package-lock.json (ENOLOCK): `{Quote(text)}` — the dependency check is neutral.");
        }

        // npm 10+ leaves the code out for a failed request and says it in the message: "… reason: connect ECONNREFUSED …".
        var reason = code is not null && NpmNetworkCodes.Contains(code) ? code
            : code is null ? NetworkFailures.FirstOrDefault(p => text.Contains(p, StringComparison.OrdinalIgnoreCase))
            : null;
        if (reason is not null)
        {
            return Neutral($"The registry could not be reached ({reason}): `{Quote(text)}` — the dependency check is neutral.");
        }

        if (code is null && Number(root, "statusCode") is { } status)
        {
            return Neutral(string.Create(CultureInfo.InvariantCulture, $"The registry's audit endpoint answered {status}: `{Quote(text)}` — the dependency check is neutral."));
        }

        return code is null && Unreachable(output) is { } unreachable
            ? unreachable
            : new CheckReport(false, 0, $"npm audit failed ({Quote(code ?? "no error code", 40)}): `{Quote(text)}`", []);
    }

    /// <summary><c>pip-audit -f json</c>: <c>{"dependencies": [...]}</c>, or a bare array of dependencies from older versions.</summary>
    private static CheckReport PipAudit(string report)
    {
        using var document = JsonDocument.Parse(report);
        var root = document.RootElement;
        var dependencies = root.ValueKind == JsonValueKind.Array ? root
            : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("dependencies", out var list) && list.ValueKind == JsonValueKind.Array ? list
            : throw new FormatException("a pip-audit report has a dependencies array");
        int packages = 0, skipped = 0, vulnerabilities = 0;
        var lines = new List<string>();
        foreach (var dependency in dependencies.EnumerateArray())
        {
            packages++;
            skipped += Text(dependency, "skip_reason") is null ? 0 : 1;
            var ids = Items(dependency, "vulns").Select(v => (Id: Text(v, "id") ?? "unknown", Fixes: Items(v, "fix_versions").Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null).OfType<string>().ToList())).ToList();
            vulnerabilities += ids.Count;
            if (ids.Count > 0 && lines.Count <= MaxPackagesInSummary)
            {
                var fixes = ids.SelectMany(i => i.Fixes).Distinct(StringComparer.Ordinal).Take(3).ToList();
                var named = string.Join(", ", ids.Take(5).Select(i => $"`{Quote(i.Id, 40)}`")) + (ids.Count > 5 ? string.Create(CultureInfo.InvariantCulture, $" and {ids.Count - 5} more") : string.Empty);
                lines.Add($"- `{Quote(Text(dependency, "name") ?? "?", 100)}` {Quote(Text(dependency, "version") ?? string.Empty, 40)}: {named}{(fixes.Count > 0 ? $" (fixed in {Quote(string.Join(", ", fixes), 100)})" : string.Empty)}");
            }
        }

        var summary = new StringBuilder(vulnerabilities == 0
            ? string.Create(CultureInfo.InvariantCulture, $"pip-audit: no known vulnerabilities in {packages} packages.")
            : string.Create(CultureInfo.InvariantCulture, $"pip-audit: {vulnerabilities} known vulnerabilities in {packages} packages."));
        if (skipped > 0)
        {
            summary.Append(CultureInfo.InvariantCulture, $" {skipped} packages were skipped (not on PyPI, or not pinned).");
        }

        foreach (var line in lines.Take(MaxPackagesInSummary))
        {
            summary.Append('\n').Append(line);
        }

        if (lines.Count > MaxPackagesInSummary)
        {
            summary.Append("\n- … and more");
        }

        return new CheckReport(vulnerabilities == 0, Math.Max(0, 100 - (15 * vulnerabilities)), summary.ToString(), []);
    }

    /// <summary><c>dotnet list package --vulnerable --include-transitive --format json</c>.</summary>
    private static CheckReport DotnetVulnerable(string report, string workspace, string? output)
    {
        using var document = JsonDocument.Parse(report);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !(root.TryGetProperty("projects", out _) || root.TryGetProperty("problems", out _)))
        {
            throw new FormatException("a dotnet list package report has projects or problems");
        }

        var packages = new List<VulnerablePackage>();
        var advisories = new HashSet<(string Package, string Advisory)>();
        var severities = new List<string>();
        foreach (var project in Items(root, "projects"))
        {
            var path = Text(project, "path") is { } projectPath ? Relative(projectPath, workspace) : null;
            foreach (var framework in Items(project, "frameworks"))
            {
                foreach (var (kind, transitive) in new[] { ("topLevelPackages", false), ("transitivePackages", true) })
                {
                    foreach (var package in Items(framework, kind))
                    {
                        var id = Text(package, "id") ?? "?";
                        var version = Text(package, "resolvedVersion") ?? Text(package, "requestedVersion");
                        var found = Items(package, "vulnerabilities").Select(v => (Severity: Text(v, "severity") ?? "unknown", Url: Text(v, "advisoryurl") ?? Text(v, "advisoryUrl") ?? string.Empty)).ToList();
                        if (found.Count == 0)
                        {
                            continue;
                        }

                        // The same advisory on the same package counts once, however many projects and frameworks have it.
                        foreach (var (severity, url) in found)
                        {
                            if (advisories.Add(($"{id}@{version}", url.Length > 0 ? url : severity)))
                            {
                                severities.Add(severity);
                            }
                        }

                        var worst = found.MaxBy(f => SeverityRank(f.Severity)).Severity;
                        packages.Add(new VulnerablePackage(id, version, worst, [.. found.Select(f => f.Url).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal).Take(3)], path, transitive));
                    }
                }
            }
        }

        var counts = SeverityCounts.Of(severities);
        var problems = Items(root, "problems").Select(p => (Level: Text(p, "level") ?? "error", Text: Text(p, "text") ?? string.Empty)).ToList();
        if (counts.Critical + counts.High == 0)
        {
            // Nothing that fails was found; if the vulnerability data could not be loaded, that is no pass.
            var sourceFailures = NetworkFailures.Concat(VulnerabilitySourceFailures).ToList();
            if (problems.Select(p => p.Text).FirstOrDefault(t => sourceFailures.Any(f => t.Contains(f, StringComparison.OrdinalIgnoreCase))) is { } unloaded)
            {
                return Neutral($"The vulnerability data could not be loaded: `{Quote(unloaded)}` — the dependency check is neutral.");
            }

            if (problems.Where(p => string.Equals(p.Level, "error", StringComparison.OrdinalIgnoreCase)).Select(p => p.Text).FirstOrDefault() is { } failed)
            {
                // "Restore failed" says nothing of why; the output may.
                return Unreachable(output) ?? new CheckReport(false, 0, $"dotnet list package reported a problem: `{Quote(failed)}`", []);
            }
        }

        var note = problems.Count == 0 ? null : string.Join("\n", problems.Take(5).Select(p => $"- {Quote(p.Level, 20)}: `{Quote(p.Text)}`"));
        return AuditReport("dotnet list package", counts, DistinctPackages(packages), note);
    }

    /// <summary>One entry per package, project and version (frameworks of one project repeat them).</summary>
    private static List<VulnerablePackage> DistinctPackages(List<VulnerablePackage> packages) =>
        [.. packages.GroupBy(p => (p.Name, p.Version, p.Manifest)).Select(g => g.MaxBy(p => SeverityRank(p.Severity))!)];

    /// <summary>
    /// An audit's verdict: high or critical fails; 25 points a critical, 15 a high, 5 a moderate, 1 a low. The summary
    /// names the worst packages, and each gets an annotation on its manifest's first line.
    /// </summary>
    private static CheckReport AuditReport(string tool, SeverityCounts counts, List<VulnerablePackage> packages, string? note)
    {
        var worst = packages.OrderByDescending(p => SeverityRank(p.Severity)).ThenBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Manifest, StringComparer.Ordinal).ToList();
        var summary = new StringBuilder(string.Create(
            CultureInfo.InvariantCulture,
            $"{tool}: {counts.Critical} critical, {counts.High} high, {counts.Moderate} moderate, {counts.Low} low vulnerabilities."));
        var named = worst.DistinctBy(p => (p.Name, p.Version)).ToList();
        foreach (var package in named.Take(MaxPackagesInSummary))
        {
            summary.Append(CultureInfo.InvariantCulture, $"\n- `{Quote(package.Name, 100)}`{(package.Version is null ? string.Empty : $" {Quote(package.Version, 60)}")}: {Quote(package.Severity.ToLowerInvariant(), 20)}{(package.Transitive ? " (transitive)" : string.Empty)}");
        }

        if (named.Count > MaxPackagesInSummary)
        {
            summary.Append(CultureInfo.InvariantCulture, $"\n- … and {named.Count - MaxPackagesInSummary} more");
        }

        if (note is not null)
        {
            summary.Append('\n').Append(note);
        }

        var annotations = worst.Where(p => p.Manifest is not null).Take(MaxDependencyAnnotations).Select(p => new Annotation(
            p.Manifest!,
            1,
            1,
            SeverityRank(p.Severity) switch
            {
                >= 3 => AnnotationLevel.Failure,
                2 => AnnotationLevel.Warning,
                _ => AnnotationLevel.Notice,
            },
            Quote($"{p.Name}{(p.Version is null ? string.Empty : $" {p.Version}")} has a {p.Severity.ToLowerInvariant()} vulnerability{(p.Transitive ? " (transitive)" : string.Empty)}{(p.Details.Count > 0 ? $": {string.Join("; ", p.Details)}" : ".")}", 1000),
            Quote($"{tool}: {p.Name}", 100))).ToList();
        var score = Math.Max(0, 100 - (25 * counts.Critical) - (15 * counts.High) - (5 * counts.Moderate) - counts.Low);
        return new CheckReport(counts.Critical + counts.High == 0, score, summary.ToString(), annotations);
    }

    private static int SeverityRank(string severity) => severity.ToLowerInvariant() switch
    {
        "critical" => 4,
        "high" => 3,
        "moderate" or "medium" => 2,
        "low" => 1,
        _ => 0,
    };

    /// <summary>A package an audit found vulnerable.</summary>
    /// <param name="Name">Its name.</param>
    /// <param name="Version">Its resolved version (dotnet) or the vulnerable range (npm).</param>
    /// <param name="Severity">The worst severity of its advisories.</param>
    /// <param name="Manifest">The repository file that brings it in, or null when unknown or outside the checkout.</param>
    /// <param name="Details">Advisory titles or URLs, a fix.</param>
    /// <param name="Transitive">Brought in by another package.</param>
    private sealed record VulnerablePackage(string Name, string? Version, string Severity, IReadOnlyList<string> Details, string? Manifest, bool Transitive);

    private sealed record SeverityCounts(int Critical, int High, int Moderate, int Low)
    {
        public static SeverityCounts Of(IEnumerable<string> severities)
        {
            var ranks = severities.Select(SeverityRank).ToList();
            return new SeverityCounts(ranks.Count(r => r == 4), ranks.Count(r => r == 3), ranks.Count(r => r == 2), ranks.Count(r => r == 1));
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>
/// Reads what a check wrote — TRX, JUnit XML, Cobertura, lcov, SARIF, linter and audit JSON, or only its exit code — into
/// a <see cref="CheckReport"/>. Paths in annotations are made relative to the workspace so GitHub can place them.
/// A report that cannot be read is a failed check that says why, never an exception: reports come from the PR's code.
/// </summary>
public static partial class ReportParser
{
    /// <summary>The most annotations one report keeps (failures first); the counts in its summary cover every finding.</summary>
    public const int MaxAnnotations = 1000;

    /// <param name="format">The report's format.</param>
    /// <param name="report">The report's text (ignored for <see cref="ReportFormat.ExitCode"/>).</param>
    /// <param name="exitCode">The check command's exit code.</param>
    /// <param name="workspace">The checkout's root, to turn absolute paths into repository paths.</param>
    /// <param name="output">
    /// The tail of the command's stdout and stderr, if known: a dependency check whose registry could not be reached is
    /// neutral rather than failed.
    /// </param>
    public static CheckReport Parse(ReportFormat format, string? report, int exitCode, string workspace, string? output = null)
    {
        if (format == ReportFormat.ExitCode)
        {
            return FromExitCode(exitCode);
        }

        if (string.IsNullOrWhiteSpace(report))
        {
            if (format == ReportFormat.Flake8 && exitCode == 0)
            {
                // flake8 writes nothing at all when it finds nothing.
                return Findings(new FindingList());
            }

            return IsDependencyFormat(format) && Unreachable(output) is { } unreachable
                ? unreachable
                : new CheckReport(false, 0, $"The check exited with {exitCode} and wrote no {format} report.", []);
        }

        try
        {
            var parsed = format switch
            {
                ReportFormat.Trx => Trx(report, workspace),
                ReportFormat.JUnit => JUnit(report, workspace),
                ReportFormat.Cobertura => Cobertura(report, workspace),
                ReportFormat.Lcov => Lcov(report, workspace),
                ReportFormat.Sarif => Sarif(report, workspace),
                ReportFormat.EslintJson => Eslint(report, exitCode, workspace),
                ReportFormat.Flake8 => Flake8(report, workspace),
                ReportFormat.PylintJson => Pylint(report, exitCode, workspace),
                ReportFormat.BanditJson => Bandit(report, workspace),
                ReportFormat.DotnetFormat => DotnetFormat(report, workspace),
                ReportFormat.NpmAudit => NpmAudit(report, output),
                ReportFormat.PipAudit => PipAudit(report),
                ReportFormat.DotnetVulnerable => DotnetVulnerable(report, workspace, output),
                _ => FromExitCode(exitCode),
            };

            // A test run that exited non-zero did not pass, whatever its (possibly partial) report says:
            // a crashed test host leaves a report in which every recorded test passed.
            return format is ReportFormat.Trx or ReportFormat.JUnit && exitCode != 0 && parsed.Passed
                ? parsed with { Passed = false, Summary = $"{parsed.Summary}\nThe test command exited with {exitCode}." }
                : parsed;
        }
        catch (Exception ex) when (ex is XmlException or JsonException or FormatException or InvalidOperationException
            or KeyNotFoundException or OverflowException or ArgumentException or RegexMatchTimeoutException)
        {
            // An audit that printed an error instead of its JSON, because the registry was out of reach, is no verdict on the PR.
            return IsDependencyFormat(format) && Unreachable(output) is { } unreachable
                ? unreachable
                : new CheckReport(false, 0, $"The {format} report could not be read: {ex.Message}", []);
        }
    }

    /// <summary>
    /// One report from several files of one check (e.g. a TRX per test project): it passes when every file passes,
    /// scores their mean, carries every annotation and the coverage lines of all, and is neutral when a file is neutral
    /// and none failed.
    /// </summary>
    public static CheckReport Combine(IReadOnlyList<CheckReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 1)
        {
            return reports[0];
        }

        if (reports.Count == 0)
        {
            return new CheckReport(false, 0, "No report was written.", []);
        }

        var coverage = reports.Where(r => r.CoveragePercent is not null).Select(r => r.CoveragePercent!.Value).ToList();
        return new CheckReport(
            reports.All(r => r.Passed),
            Math.Round(reports.Average(r => r.Score), 1),
            string.Join("\n", reports.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"- report {i + 1}: {r.Summary.Replace("\n", " ", StringComparison.Ordinal)}"))),
            [.. reports.SelectMany(r => r.Annotations)],
            coverage.Count > 0 ? Math.Round(coverage.Average(), 1) : null)
        {
            Neutral = reports.Any(r => r.Neutral) && reports.All(r => r.Passed || r.Neutral),
            Lines = reports.Count(r => r.Lines.Count > 0) switch
            {
                0 => [],
                1 => reports.First(r => r.Lines.Count > 0).Lines,
                _ => MergeLines(reports.SelectMany(r => r.Lines)),
            },
        };
    }

    private static CheckReport FromExitCode(int exitCode) =>
        exitCode == 0
            ? new CheckReport(true, 100, "Exited with 0.", [])
            : new CheckReport(false, 0, $"Exited with {exitCode}.", []);

    private static CheckReport Trx(string report, string workspace)
    {
        var root = XDocument.Parse(report).Root ?? throw new FormatException("empty TRX document");
        XNamespace ns = root.Name.Namespace;
        // Top-level results only: data-driven tests nest their rows under InnerResults.
        var results = root.Elements(ns + "Results").Elements(ns + "UnitTestResult").ToList();
        var failed = results.Where(r => (string?)r.Attribute("outcome") is "Failed" or "Error" or "Timeout" or "Aborted").ToList();
        var passed = results.Count(r => (string?)r.Attribute("outcome") == "Passed");
        var skipped = results.Count - passed - failed.Count;
        var annotations = new List<Annotation>();
        foreach (var result in failed)
        {
            var name = (string?)result.Attribute("testName") ?? "test";
            var info = result.Descendants(ns + "ErrorInfo").FirstOrDefault();
            var message = info?.Element(ns + "Message")?.Value.Trim() ?? "failed";
            var location = FindLocation(info?.Element(ns + "StackTrace")?.Value, workspace);
            if (location is { } at)
            {
                annotations.Add(new Annotation(at.Path, at.Line, at.Line, AnnotationLevel.Failure, message, name));
            }
        }

        var tests = TestReport("tests", passed, failed.Select(r => (string?)r.Attribute("testName") ?? "test").ToList(), skipped, annotations);
        return (string?)root.Element(ns + "ResultSummary")?.Attribute("outcome") == "Aborted"
            ? tests with { Passed = false, Summary = $"{tests.Summary}\nThe test run was aborted." }
            : tests;
    }

    private static CheckReport JUnit(string report, string workspace)
    {
        var root = XDocument.Parse(report).Root ?? throw new FormatException("empty JUnit document");
        var cases = root.DescendantsAndSelf("testcase").ToList();
        var failedNames = new List<string>();
        var annotations = new List<Annotation>();
        var passed = 0;
        var skipped = 0;
        foreach (var testCase in cases)
        {
            var problem = testCase.Element("failure") ?? testCase.Element("error");
            if (problem is null)
            {
                if (testCase.Element("skipped") is null)
                {
                    passed++;
                }
                else
                {
                    skipped++;
                }

                continue;
            }

            var name = string.Join(".", new[] { (string?)testCase.Attribute("classname"), (string?)testCase.Attribute("name") }.Where(n => !string.IsNullOrEmpty(n)));
            failedNames.Add(name);
            var message = ((string?)problem.Attribute("message") ?? problem.Value).Trim();
            var file = (string?)testCase.Attribute("file");
            var line = (int?)testCase.Attribute("line");
            var location = file is not null && line is > 0 && Relative(file, workspace) is { } relative
                ? (Path: relative, Line: line.Value)
                : FindLocation(problem.Value, workspace);
            if (location is { } at)
            {
                annotations.Add(new Annotation(at.Path, at.Line, at.Line, AnnotationLevel.Failure, FirstLine(message), name));
            }
        }

        return TestReport("tests", passed, failedNames, skipped, annotations);
    }

    private static CheckReport TestReport(string what, int passed, List<string> failed, int skipped, List<Annotation> annotations)
    {
        var ran = passed + failed.Count;
        if (ran == 0)
        {
            return new CheckReport(false, 0, $"No {what} ran ({skipped} skipped).", annotations);
        }

        var score = Math.Round(100.0 * passed / ran, 1);
        var summary = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{passed} passed, {failed.Count} failed, {skipped} skipped."));
        foreach (var name in failed.Take(20))
        {
            summary.Append(CultureInfo.InvariantCulture, $"\n- ❌ `{name}`");
        }

        if (failed.Count > 20)
        {
            summary.Append(CultureInfo.InvariantCulture, $"\n- … and {failed.Count - 20} more");
        }

        return new CheckReport(failed.Count == 0, score, summary.ToString(), annotations);
    }

    private static CheckReport Sarif(string report, string workspace)
    {
        using var document = JsonDocument.Parse(report);
        var findings = new FindingList();
        foreach (var run in document.RootElement.GetProperty("runs").EnumerateArray())
        {
            if (!run.TryGetProperty("results", out var results))
            {
                continue;
            }

            var ruleLevels = RuleLevels(run);
            foreach (var result in results.EnumerateArray())
            {
                var suppressed = result.TryGetProperty("suppressions", out var suppressions) && suppressions.ValueKind == JsonValueKind.Array && suppressions.GetArrayLength() > 0;
                var kind = result.TryGetProperty("kind", out var k) ? k.GetString() : "fail";
                if (suppressed || kind != "fail")
                {
                    continue;
                }

                var rule = result.TryGetProperty("ruleId", out var r) ? r.GetString() : null;
                var level = result.TryGetProperty("level", out var l) ? l.GetString()
                    : rule is not null && ruleLevels.TryGetValue(rule, out var ruleLevel) ? ruleLevel
                    : "warning";
                var annotationLevel = level switch
                {
                    "error" => AnnotationLevel.Failure,
                    "note" or "none" => AnnotationLevel.Notice,
                    _ => AnnotationLevel.Warning,
                };
                var message = result.TryGetProperty("message", out var m) && m.TryGetProperty("text", out var t) ? t.GetString() ?? string.Empty : string.Empty;
                string? path = null;
                int start = 1, end = 1;
                if (result.TryGetProperty("locations", out var locations) && locations.GetArrayLength() > 0
                    && locations[0].TryGetProperty("physicalLocation", out var physical)
                    && physical.TryGetProperty("artifactLocation", out var artifact) && artifact.TryGetProperty("uri", out var uri))
                {
                    start = physical.TryGetProperty("region", out var region) && region.TryGetProperty("startLine", out var s) ? s.GetInt32() : 1;
                    end = physical.TryGetProperty("region", out var region2) && region2.TryGetProperty("endLine", out var e) ? e.GetInt32() : start;
                    path = Relative(Uri.UnescapeDataString(uri.GetString() ?? string.Empty), workspace);
                }

                findings.Add(annotationLevel, path, start, end, message, rule);
            }
        }

        return Findings(findings);
    }

    /// <summary>Each rule's default level (tool.driver.rules[].defaultConfiguration.level), for results that name none.</summary>
    private static Dictionary<string, string> RuleLevels(JsonElement run)
    {
        var levels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (run.TryGetProperty("tool", out var tool) && tool.TryGetProperty("driver", out var driver) && driver.TryGetProperty("rules", out var rules) && rules.ValueKind == JsonValueKind.Array)
        {
            foreach (var rule in rules.EnumerateArray())
            {
                if (rule.TryGetProperty("id", out var id) && rule.TryGetProperty("defaultConfiguration", out var config) && config.TryGetProperty("level", out var level))
                {
                    levels[id.GetString() ?? string.Empty] = level.GetString() ?? "warning";
                }
            }
        }

        return levels;
    }

    /// <summary>The first "file:line" a stack trace or failure text names inside the workspace.</summary>
    /// <summary>How much of a failure text is searched for its "file:line".</summary>
    private const int MaxLocationText = 4096;

    private static (string Path, int Line)? FindLocation(string? text, string workspace)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // Failure texts come from the PR's tests: only their start is searched, within a time limit.
        foreach (Match match in LocationPattern().Matches(text.Length > MaxLocationText ? text[..MaxLocationText] : text))
        {
            var path = match.Groups["path"].Value;
            if (Relative(path, workspace) is { } relative && int.TryParse(match.Groups["line"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var line) && line > 0)
            {
                return (relative, line);
            }
        }

        return null;
    }

    /// <summary>A repository-relative path, or null for a path outside the checkout (which GitHub could misplace).</summary>
    private static string? Relative(string path, string workspace)
    {
        var clean = (path.StartsWith("file://", StringComparison.Ordinal) ? new Uri(path).LocalPath : path).Replace('\\', '/');
        var relative = Path.IsPathRooted(clean) ? Path.GetRelativePath(workspace, clean).Replace('\\', '/') : clean;
        while (relative.StartsWith("./", StringComparison.Ordinal))
        {
            relative = relative[2..];
        }

        return relative.Length == 0 || Path.IsPathRooted(relative) || relative.Split('/').Contains("..") || relative.Any(char.IsControl) ? null : relative;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    // "in /src/Foo.cs:line 42" (.NET), "File \"x.py\", line 3" (Python), "path/file.ts:12:5" (JS and most tools).
    [GeneratedRegex(@"(?:in (?<path>[^\s:]+\.\w+):line (?<line>\d+))|(?:File ""(?<path>[^""]+)"", line (?<line>\d+))|(?:(?<path>[\w./\\-]+\.\w+):(?<line>\d+))", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LocationPattern();
}

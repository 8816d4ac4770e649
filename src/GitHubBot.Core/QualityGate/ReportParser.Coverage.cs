using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace GitHubBot.Core.QualityGate;

/// <summary>
/// Coverage reports: the percentage for the score, and per file the lines that ran and did not
/// (<see cref="CheckReport.Lines"/>) for the coverage of the lines a PR changed. Test files are left out of the lines.
/// </summary>
public static partial class ReportParser
{
    /// <summary>The most files <see cref="CheckReport.Lines"/> holds; files beyond are left out.</summary>
    public const int MaxCoverageFiles = 5_000;

    /// <summary>The most lines <see cref="CheckReport.Lines"/> holds over all its files; lines beyond are left out.</summary>
    public const int MaxCoverageLines = 200_000;

    /// <summary>
    /// Cobertura (coverlet, coverage.py, and others): the percentage is the report's <c>line-rate</c>; the lines are the
    /// classes' own <c>&lt;lines&gt;</c> (a method's repeat them), their file names resolved against the report's sources.
    /// </summary>
    private static CheckReport Cobertura(string report, string workspace)
    {
        var root = ParseXml(report).Root ?? throw new FormatException("empty Cobertura document");
        var rate = (string?)root.Attribute("line-rate") ?? throw new FormatException("Cobertura report has no line-rate");
        var value = double.Parse(rate, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value) || value is < 0 or > 1)
        {
            throw new FormatException($"line-rate '{rate}' is not between 0 and 1");
        }

        var sources = root.Element("sources")?.Elements("source").Select(s => s.Value.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList() ?? [];
        var lines = new CoverageBuilder();
        var paths = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var type in root.Descendants("class"))
        {
            if ((string?)type.Attribute("filename") is not { Length: > 0 } filename)
            {
                continue;
            }

            if (!paths.TryGetValue(filename, out var path))
            {
                path = CoberturaPath(filename, sources, workspace) is { } resolved && !TestFiles.IsTest(resolved) ? resolved : null;
                paths[filename] = path;
            }

            if (path is null)
            {
                continue;
            }

            foreach (var line in type.Elements("lines").Elements("line"))
            {
                if (int.TryParse((string?)line.Attribute("number"), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    && double.TryParse((string?)line.Attribute("hits"), NumberStyles.Float, CultureInfo.InvariantCulture, out var hits))
                {
                    lines.Add(path, number, hits > 0);
                }
            }
        }

        var percent = Math.Round(value * 100, 1);
        return Coverage(percent, (int?)root.Attribute("lines-covered"), (int?)root.Attribute("lines-valid"), null) with { Lines = lines.Build() };
    }

    /// <summary>
    /// The repository path of a Cobertura file name: absolute, or relative to one of the sources. A relative name with
    /// several sources in the workspace could be under any of them (coverage.py with two <c>--cov</c> roots writes bare
    /// file names): it is left out rather than guessed.
    /// </summary>
    private static string? CoberturaPath(string filename, List<string> sources, string workspace)
    {
        var name = filename.Replace('\\', '/');
        if (name.StartsWith('/') || sources.Count == 0)
        {
            return CoveragePath(name, workspace);
        }

        var candidates = sources.Select(s => CoveragePath($"{s.Replace('\\', '/').TrimEnd('/')}/{name}", workspace)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return candidates.Count == 1 ? candidates[0] : null;
    }

    /// <summary>
    /// A covered file's repository path, or null outside the workspace. Deterministic builds (coverlet with
    /// ContinuousIntegrationBuild) map the repository root to <c>/_/</c>.
    /// </summary>
    private static string? CoveragePath(string path, string workspace) =>
        path.StartsWith("/_/", StringComparison.Ordinal) ? Relative(path[3..], workspace) : Relative(path, workspace);

    /// <summary>
    /// lcov: the percentage sums LF/LH (or the DA lines of a record without them). With line data, test files are left
    /// out of the percentage as of the lines, unless nothing else is left.
    /// </summary>
    private static CheckReport Lcov(string report, string workspace)
    {
        var lines = new CoverageBuilder();
        LcovTotals all = new(), production = new();
        var testFiles = 0;
        var lineData = false;
        var record = new LcovRecord();

        void Finish()
        {
            if (record.File is null && record.Found is null && record.DataLines == 0)
            {
                return;
            }

            var (found, hit) = (record.Found ?? record.DataLines, record.Hit ?? record.DataHit);
            all.Add(found, hit);
            if (record.IsTest)
            {
                testFiles++;
            }
            else
            {
                production.Add(found, hit);
            }

            record = new LcovRecord();
        }

        foreach (var raw in report.Split('\n'))
        {
            var text = raw.Trim();
            if (text.StartsWith("SF:", StringComparison.Ordinal))
            {
                Finish();
                var file = text[3..].Replace('\\', '/');
                var path = CoveragePath(file, workspace);
                record.File = file;
                record.Path = path;
                record.IsTest = TestFiles.IsTest(path ?? file);
            }
            else if (text.StartsWith("DA:", StringComparison.Ordinal))
            {
                var parts = text[3..].Split(',');
                if (parts.Length >= 2
                    && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var hits))
                {
                    lineData = true;
                    record.DataLines++;
                    record.DataHit += hits > 0 ? 1 : 0;
                    if (record.Path is not null && !record.IsTest)
                    {
                        lines.Add(record.Path, number, hits > 0);
                    }
                }
            }
            else if (text.StartsWith("LF:", StringComparison.Ordinal))
            {
                record.Found = (record.Found ?? 0) + int.Parse(text[3..], CultureInfo.InvariantCulture);
            }
            else if (text.StartsWith("LH:", StringComparison.Ordinal))
            {
                record.Hit = (record.Hit ?? 0) + int.Parse(text[3..], CultureInfo.InvariantCulture);
            }
            else if (text == "end_of_record")
            {
                Finish();
            }
        }

        Finish();
        var leaveTestsOut = lineData && testFiles > 0 && production.Found > 0;
        var (totalFound, totalHit) = leaveTestsOut ? (production.Found, production.Hit) : (all.Found, all.Hit);
        if (totalFound == 0)
        {
            return new CheckReport(false, 0, "The lcov report lists no lines.", []);
        }

        var note = !leaveTestsOut ? null : testFiles == 1 ? "; 1 test file left out" : string.Create(CultureInfo.InvariantCulture, $"; {testFiles} test files left out");
        return Coverage(Math.Round(100.0 * totalHit / totalFound, 1), totalHit, totalFound, note) with { Lines = lines.Build() };
    }

    private static CheckReport Coverage(double percent, long? covered, long? valid, string? note)
    {
        var lines = covered is not null && valid is not null ? string.Create(CultureInfo.InvariantCulture, $" ({covered} of {valid} lines{note})") : string.Empty;
        return new CheckReport(true, percent, string.Create(CultureInfo.InvariantCulture, $"Line coverage {percent:0.0}%{lines}."), [], percent);
    }

    /// <summary>The lines of several reports as one: a line ran if it ran in any.</summary>
    private static IReadOnlyList<FileCoverage> MergeLines(IEnumerable<FileCoverage> files)
    {
        var lines = new CoverageBuilder();
        foreach (var file in files)
        {
            foreach (var line in file.Covered)
            {
                lines.Add(file.Path, line, true);
            }

            foreach (var line in file.Uncovered)
            {
                lines.Add(file.Path, line, false);
            }
        }

        return lines.Build();
    }

    /// <summary>XML without DTD processing (old Cobertura reports name a DTD; it is neither fetched nor expanded).</summary>
    private static XDocument ParseXml(string text)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(text), settings);
        return XDocument.Load(reader);
    }

    /// <summary>One lcov record (SF … end_of_record) as it is read.</summary>
    private sealed class LcovRecord
    {
        public string? File { get; set; }

        public string? Path { get; set; }

        public bool IsTest { get; set; }

        public long? Found { get; set; }

        public long? Hit { get; set; }

        public long DataLines { get; set; }

        public long DataHit { get; set; }
    }

    private sealed class LcovTotals
    {
        public long Found { get; private set; }

        public long Hit { get; private set; }

        public void Add(long found, long hit)
        {
            Found += found;
            Hit += hit;
        }
    }

    /// <summary>Covered and uncovered lines per file, bounded by <see cref="MaxCoverageFiles"/> and <see cref="MaxCoverageLines"/>.</summary>
    private sealed class CoverageBuilder
    {
        private readonly Dictionary<string, Dictionary<int, bool>> files = new(StringComparer.Ordinal);
        private int count;

        public void Add(string path, int line, bool covered)
        {
            if (line < 1)
            {
                return;
            }

            if (!files.TryGetValue(path, out var file))
            {
                if (files.Count >= MaxCoverageFiles || count >= MaxCoverageLines)
                {
                    return;
                }

                file = [];
                files[path] = file;
            }

            if (file.TryGetValue(line, out var ran))
            {
                file[line] = ran || covered;
            }
            else if (count < MaxCoverageLines)
            {
                file[line] = covered;
                count++;
            }
        }

        public IReadOnlyList<FileCoverage> Build() =>
        [
            .. files.Where(f => f.Value.Count > 0).OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new FileCoverage(
                f.Key,
                [.. f.Value.Where(l => l.Value).Select(l => l.Key).Order()],
                [.. f.Value.Where(l => !l.Value).Select(l => l.Key).Order()])),
        ];
    }
}

using System.Globalization;
using System.Text;

namespace GitHubBot.Core.QualityGate;

/// <summary>How much of what a PR added its tests ran: the coverage report's lines against the diff's added lines.</summary>
public static class ChangedLineCoverage
{
    /// <summary>Uncovered spans <see cref="Describe"/> lists.</summary>
    public const int SpansDescribed = 20;

    /// <summary>
    /// Of the added lines the coverage report instruments (a line it lists as covered or uncovered; blank lines,
    /// comments and declarations it does not list do not count), how many ran. Test files are left out. The uncovered
    /// ones come merged into spans of consecutive lines, by path then line, at most <paramref name="maxSpans"/>.
    /// </summary>
    /// <param name="lines">The coverage report's lines (<see cref="CheckReport.Lines"/>).</param>
    /// <param name="added">The diff's added lines (<see cref="UnifiedDiff.AddedLines"/>).</param>
    /// <param name="maxSpans">The most spans returned; the counts cover every line.</param>
    public static ChangedCoverage Compute(IReadOnlyList<FileCoverage> lines, IReadOnlyDictionary<string, IReadOnlyList<AddedLine>> added, int maxSpans = 200)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(added);

        // A file listed twice (two reports of one run) counts a line as covered if either saw it run.
        var files = new Dictionary<string, (HashSet<int> Covered, HashSet<int> Uncovered)>(StringComparer.Ordinal);
        foreach (var file in lines)
        {
            if (!added.ContainsKey(file.Path) || TestFiles.IsTest(file.Path))
            {
                continue;
            }

            if (!files.TryGetValue(file.Path, out var sets))
            {
                sets = ([], []);
                files[file.Path] = sets;
            }

            sets.Covered.UnionWith(file.Covered);
            sets.Uncovered.UnionWith(file.Uncovered);
        }

        int covered = 0, total = 0;
        var spans = new List<LineSpan>();
        foreach (var (path, sets) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            LineSpan? open = null;
            foreach (var line in added[path].Select(a => a.Line).Distinct().Order())
            {
                if (sets.Covered.Contains(line))
                {
                    covered++;
                    total++;
                }
                else if (sets.Uncovered.Contains(line))
                {
                    total++;
                    if (open is not null && open.End == line - 1)
                    {
                        open = open with { End = line };
                        spans[^1] = open;
                    }
                    else if (spans.Count < maxSpans)
                    {
                        open = new LineSpan(path, line, line);
                        spans.Add(open);
                    }
                    else
                    {
                        open = null;
                    }
                }
            }
        }

        return new ChangedCoverage(covered, total, spans);
    }

    /// <summary>
    /// "Changed lines: 12 of 16 covered (75.0%)." and the first <see cref="SpansDescribed"/> uncovered spans as a
    /// markdown list, or that no changed line is instrumented.
    /// </summary>
    public static string Describe(ChangedCoverage coverage)
    {
        ArgumentNullException.ThrowIfNull(coverage);
        if (coverage.Percent is not { } percent)
        {
            return "No changed line is instrumented by the coverage report.";
        }

        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"Changed lines: {coverage.Covered} of {coverage.Total} covered ({percent:0.0}%)."));
        foreach (var span in coverage.Uncovered.Take(SpansDescribed))
        {
            var path = span.Path.Replace('`', '\'');
            text.Append(span.Start == span.End
                ? string.Create(CultureInfo.InvariantCulture, $"\n- `{path}` line {span.Start}")
                : string.Create(CultureInfo.InvariantCulture, $"\n- `{path}` lines {span.Start}–{span.End}"));
        }

        if (coverage.Uncovered.Count > SpansDescribed)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- … and {coverage.Uncovered.Count - SpansDescribed} more");
        }

        return text.ToString();
    }
}

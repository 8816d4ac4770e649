using GitHubBot.Core.Config;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class ChangedLineCoverageTests
{
    private static Dictionary<string, IReadOnlyList<AddedLine>> Added(params (string Path, int[] Lines)[] files) =>
        files.ToDictionary(f => f.Path, f => (IReadOnlyList<AddedLine>)[.. f.Lines.Select(l => new AddedLine(l, "x"))], StringComparer.Ordinal);

    [Fact]
    public void Only_instrumented_added_lines_count_and_uncovered_ones_merge_into_spans()
    {
        FileCoverage[] lines =
        [
            new("src/b.cs", [1, 2], [10, 11, 12, 14]),
            new("src/a.cs", [5], [6, 7, 9]),
            new("src/untouched.cs", [1], [2]),
        ];
        var added = Added(("src/a.cs", [4, 5, 6, 7, 8, 9]), ("src/b.cs", [2, 10, 11, 12, 13, 14]), ("README.md", [1, 2]));

        var coverage = ChangedLineCoverage.Compute(lines, added);

        Assert.Equal((2, 9, 22.2), (coverage.Covered, coverage.Total, coverage.Percent));
        Assert.Equal(
            [new LineSpan("src/a.cs", 6, 7), new LineSpan("src/a.cs", 9, 9), new LineSpan("src/b.cs", 10, 12), new LineSpan("src/b.cs", 14, 14)],
            coverage.Uncovered);
        Assert.Equal(
            """
            Changed lines: 2 of 9 covered (22.2%).
            - `src/a.cs` lines 6–7
            - `src/a.cs` line 9
            - `src/b.cs` lines 10–12
            - `src/b.cs` line 14
            """.ReplaceLineEndings("\n"),
            ChangedLineCoverage.Describe(coverage));
    }

    [Fact]
    public void Test_files_do_not_count()
    {
        FileCoverage[] lines = [new("tests/AppTests.cs", [], [1, 2]), new("src/app.test.ts", [], [3])];

        var coverage = ChangedLineCoverage.Compute(lines, Added(("tests/AppTests.cs", [1, 2]), ("src/app.test.ts", [3])));

        Assert.Equal((0, 0, (double?)null), (coverage.Covered, coverage.Total, coverage.Percent));
        Assert.Equal("No changed line is instrumented by the coverage report.", ChangedLineCoverage.Describe(coverage));
    }

    [Fact]
    public void A_file_listed_twice_counts_a_line_covered_if_either_ran_it()
    {
        FileCoverage[] lines = [new("a.py", [], [1, 2]), new("a.py", [2], [])];

        var coverage = ChangedLineCoverage.Compute(lines, Added(("a.py", [1, 2, 2])));

        Assert.Equal((1, 2), (coverage.Covered, coverage.Total));
        Assert.Equal([new LineSpan("a.py", 1, 1)], coverage.Uncovered);
    }

    [Fact]
    public void Spans_are_capped_and_the_description_lists_twenty()
    {
        FileCoverage[] lines = [new("a.py", [], [.. Enumerable.Range(1, 100).Select(i => i * 2)])];
        var added = Added(("a.py", [.. Enumerable.Range(1, 200)]));

        var coverage = ChangedLineCoverage.Compute(lines, added, maxSpans: 30);

        Assert.Equal((0, 100), (coverage.Covered, coverage.Total));
        Assert.Equal(30, coverage.Uncovered.Count);
        var description = ChangedLineCoverage.Describe(coverage).Split('\n');
        Assert.Equal(22, description.Length);
        Assert.Equal("Changed lines: 0 of 100 covered (0.0%).", description[0]);
        Assert.Equal("- … and 10 more", description[^1]);
    }

    [Fact]
    public void Real_coverlet_lines_against_a_diff()
    {
        // Coverlet's lines for the Greeter of CoverageLinesTests, and a PR that added lines 7–9 and 15.
        const string cobertura = """
            <coverage line-rate="0.5714" lines-covered="4" lines-valid="7">
              <sources><source>/tmp/rt/dn/src/App/</source></sources>
              <packages><package name="App"><classes>
                <class name="App.Greeter" filename="Greeter.cs">
                  <lines>
                    <line number="6" hits="1" branch="False" />
                    <line number="7" hits="1" branch="True" condition-coverage="50% (1/2)" />
                    <line number="8" hits="0" branch="False" />
                    <line number="9" hits="0" branch="False" />
                    <line number="12" hits="1" branch="False" />
                    <line number="13" hits="1" branch="False" />
                    <line number="15" hits="0" branch="False" />
                  </lines>
                </class>
              </classes></package></packages>
            </coverage>
            """;
        const string diff = """
            diff --git a/src/App/Greeter.cs b/src/App/Greeter.cs
            --- a/src/App/Greeter.cs
            +++ b/src/App/Greeter.cs
            @@ -6,0 +7,4 @@ public static class Greeter
            +        if (string.IsNullOrEmpty(name))
            +        {
            +            return "Hello, stranger";
            +        }
            @@ -11,0 +14,2 @@ public static class Greeter
            +
            +    public static int Twice(int x) => x * 2;
            """;
        var report = ReportParser.Parse(ReportFormat.Cobertura, cobertura, 0, "/tmp/rt/dn");

        var coverage = ChangedLineCoverage.Compute(report.Lines, UnifiedDiff.AddedLines(diff));

        Assert.Equal("Changed lines: 1 of 4 covered (25.0%).\n- `src/App/Greeter.cs` lines 8–9\n- `src/App/Greeter.cs` line 15", ChangedLineCoverage.Describe(coverage));
    }
}

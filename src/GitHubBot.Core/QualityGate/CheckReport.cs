using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>What one check's report says.</summary>
/// <param name="Passed">Whether the check passed on its own terms (tests green, no error-level finding).</param>
/// <param name="Score">0–100.</param>
/// <param name="Summary">Markdown for the check run and the PR comment.</param>
/// <param name="Annotations">Findings with a place in the code.</param>
/// <param name="CoveragePercent">Line coverage, for coverage reports.</param>
public sealed record CheckReport(bool Passed, double Score, string Summary, IReadOnlyList<Annotation> Annotations, double? CoveragePercent = null)
{
    /// <summary>
    /// The check could not reach a verdict for a reason outside the PR (a registry that cannot be reached, a tool
    /// the worker lacks): reported neutral with <see cref="Summary"/> as the reason, never as a pass or a failure.
    /// </summary>
    public bool Neutral { get; init; }

    /// <summary>Per file, the lines a coverage report saw run and not run (repository paths; test files left out).</summary>
    public IReadOnlyList<FileCoverage> Lines { get; init; } = [];
}

/// <summary>The instrumented lines of one file in a coverage report.</summary>
/// <param name="Path">Repository-relative, with forward slashes.</param>
/// <param name="Covered">Lines that ran at least once, ascending.</param>
/// <param name="Uncovered">Lines that never ran, ascending.</param>
public sealed record FileCoverage(string Path, IReadOnlyList<int> Covered, IReadOnlyList<int> Uncovered);

/// <summary>A line a diff adds (its number in the new file) and its text.</summary>
public sealed record AddedLine(int Line, string Text);

/// <summary>Lines <paramref name="Start"/>–<paramref name="End"/> (inclusive) of a repository file.</summary>
public sealed record LineSpan(string Path, int Start, int End);

/// <summary>Coverage of the lines a PR added or changed: of the instrumented ones, how many ran, and which did not.</summary>
/// <param name="Covered">Changed instrumented lines that ran.</param>
/// <param name="Total">Changed instrumented lines.</param>
/// <param name="Uncovered">The changed lines that never ran, merged into spans.</param>
public sealed record ChangedCoverage(int Covered, int Total, IReadOnlyList<LineSpan> Uncovered)
{
    /// <summary>0–100 with one decimal; null when the PR changed no instrumented line.</summary>
    public double? Percent => Total == 0 ? null : Math.Round(100.0 * Covered / Total, 1);
}

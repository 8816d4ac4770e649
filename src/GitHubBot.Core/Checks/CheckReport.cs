namespace GitHubBot.Core.Checks;

/// <summary>How serious an annotation is, as GitHub's check-run annotations say it.</summary>
public enum AnnotationLevel
{
    Notice,
    Warning,
    Failure,
}

/// <summary>A finding pointed out in the diff: a repository-relative path and line.</summary>
public sealed record Annotation(string Path, int StartLine, int EndLine, AnnotationLevel Level, string Message, string? Title = null);

/// <summary>The report format a check writes (PRODUCT.md §3, the repository config's <c>report</c>).</summary>
public enum ReportFormat
{
    ExitCode,
    Trx,
    JUnit,
    Cobertura,
    Lcov,
    Sarif,
}

/// <summary>What one check's report says.</summary>
/// <param name="Passed">Whether the check passed on its own terms (tests green, no error-level finding).</param>
/// <param name="Score">0–100.</param>
/// <param name="Summary">Markdown for the check run and the PR comment.</param>
/// <param name="Annotations">Findings with a place in the code.</param>
/// <param name="CoveragePercent">Line coverage, for coverage reports.</param>
public sealed record CheckReport(bool Passed, double Score, string Summary, IReadOnlyList<Annotation> Annotations, double? CoveragePercent = null);

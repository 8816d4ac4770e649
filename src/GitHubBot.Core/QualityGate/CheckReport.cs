using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>What one check's report says.</summary>
/// <param name="Passed">Whether the check passed on its own terms (tests green, no error-level finding).</param>
/// <param name="Score">0–100.</param>
/// <param name="Summary">Markdown for the check run and the PR comment.</param>
/// <param name="Annotations">Findings with a place in the code.</param>
/// <param name="CoveragePercent">Line coverage, for coverage reports.</param>
public sealed record CheckReport(bool Passed, double Score, string Summary, IReadOnlyList<Annotation> Annotations, double? CoveragePercent = null);

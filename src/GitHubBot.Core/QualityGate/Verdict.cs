using System.Globalization;

namespace GitHubBot.Core.QualityGate;

/// <summary>How a check ended.</summary>
public enum CheckState
{
    Passed,
    Failed,
    TimedOut,
    Cancelled,

    /// <summary>Not configured and not detected: reported as skipped, never as passed.</summary>
    Skipped,

    /// <summary>Ran (or tried to) but could reach no verdict for a reason outside the PR: a tool the worker lacks, a registry it cannot reach.</summary>
    Neutral,
}

/// <summary>One check as the verdict sees it.</summary>
/// <param name="Name">The check's name.</param>
/// <param name="State">How it ended.</param>
/// <param name="Score">0–100.</param>
/// <param name="Weight">Its share of the weighted score.</param>
/// <param name="Required">Whether it must pass.</param>
/// <param name="CoveragePercent">Line coverage it measured, if any.</param>
/// <param name="MeasuresCoverage">The check is the coverage check: without a measurement the coverage requirement is not met.</param>
public sealed record CheckOutcomeInput(string Name, CheckState State, double Score, double Weight, bool Required, double? CoveragePercent = null, bool MeasuresCoverage = false)
{
    /// <summary>Coverage of the lines the PR changed, when measured (null: not measured, or no changed line is instrumented).</summary>
    public double? ChangedLinesPercent { get; init; }
}

/// <summary>The gate's decision.</summary>
/// <param name="Score">Weighted score of the checks that ran, 0–100.</param>
/// <param name="CanMerge">All required checks passed, coverage and score reached their thresholds.</param>
/// <param name="BlockingIssues">Why not, in plain words.</param>
public sealed record Verdict(double Score, bool CanMerge, IReadOnlyList<string> BlockingIssues);

/// <summary>The quality gate's verdict: weighted score, required checks, coverage, score.</summary>
public static class VerdictRules
{
    /// <param name="checks">Every check of the gate.</param>
    /// <param name="requiredCoverage">The line coverage a PR needs.</param>
    /// <param name="requiredScore">The weighted score a PR needs.</param>
    /// <param name="coverageAppliesTo">What the coverage requirement applies to (<see cref="CoverageTargets"/>): overall, changed lines, or both.</param>
    public static Verdict Decide(IReadOnlyList<CheckOutcomeInput> checks, double requiredCoverage, double requiredScore, string coverageAppliesTo = CoverageTargets.Both)
    {
        ArgumentNullException.ThrowIfNull(checks);

        // Skipped checks did not run; neutral ones could not reach a verdict: neither counts for or against the PR.
        var ran = checks.Where(c => c.State is not (CheckState.Skipped or CheckState.Neutral)).ToList();
        var blocking = new List<string>();
        if (ran.Count == 0)
        {
            blocking.Add("No checks ran: configure them in .github/ghbot.yml.");
            return new Verdict(0, false, blocking);
        }

        static double WeightOf(CheckOutcomeInput c) => double.IsFinite(c.Weight) ? Math.Max(0, c.Weight) : 0;
        var totalWeight = ran.Sum(WeightOf);
        var score = totalWeight > 0
            ? ran.Sum(c => WeightOf(c) * Effective(c)) / totalWeight
            : ran.Average(Effective);
        score = Math.Round(score, 1);

        foreach (var check in ran.Where(c => c.Required && c.State != CheckState.Passed))
        {
            blocking.Add(check.State switch
            {
                CheckState.TimedOut => $"{check.Name} (required) ran out of time.",
                CheckState.Cancelled => $"{check.Name} (required) was cancelled.",
                _ => $"{check.Name} (required) failed.",
            });
        }

        var overall = coverageAppliesTo != CoverageTargets.Changed;
        var changed = coverageAppliesTo != CoverageTargets.Overall;
        foreach (var check in ran.Where(c => overall && c.CoveragePercent is { } coverage && !(coverage >= requiredCoverage)))
        {
            blocking.Add(string.Create(CultureInfo.InvariantCulture, $"Coverage is {check.CoveragePercent:0.0}%, below the required {requiredCoverage:0.#}%."));
        }

        foreach (var check in ran.Where(c => changed && c.ChangedLinesPercent is { } coverage && !(coverage >= requiredCoverage)))
        {
            blocking.Add(string.Create(CultureInfo.InvariantCulture, $"Coverage of the changed lines is {check.ChangedLinesPercent:0.0}%, below the required {requiredCoverage:0.#}%."));
        }

        foreach (var check in ran.Where(c => c.MeasuresCoverage && c.CoveragePercent is null && c.ChangedLinesPercent is null && requiredCoverage > 0))
        {
            blocking.Add($"Coverage could not be measured ({check.Name} did not report it).");
        }

        if (score < requiredScore)
        {
            blocking.Add(string.Create(CultureInfo.InvariantCulture, $"The score is {score:0.#}, below the required {requiredScore:0.#}."));
        }

        return new Verdict(score, blocking.Count == 0, blocking);
    }

    /// <summary>A check that did not finish scores nothing, whatever it reported.</summary>
    private static double Effective(CheckOutcomeInput check) =>
        check.State is CheckState.TimedOut or CheckState.Cancelled || !double.IsFinite(check.Score) ? 0 : Math.Clamp(check.Score, 0, 100);
}

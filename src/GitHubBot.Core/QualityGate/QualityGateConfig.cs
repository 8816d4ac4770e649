using GitHubBot.Core.Config;

namespace GitHubBot.Core.QualityGate;

/// <summary>
/// What the gate runs on one checkout: the repository's configured checks, or those detected from its files, with
/// the thresholds they are held to.
/// </summary>
/// <remarks>The PrepareWorkspace activity's result: workflow histories hold it, so its fields keep their names.</remarks>
public sealed record QualityGateConfig(double RequiredScore, double RequiredCoverage, bool AutoFix, IReadOnlyList<CheckConfig> Checks)
{
    /// <summary>The kinds that do not run, and why (empty in results recorded before reasons were given).</summary>
    public IReadOnlyList<SkippedCheck> Skipped { get; init; } = [];

    /// <summary>What required_coverage applies to: overall, changed (the PR's changed lines) or both.</summary>
    public string CoverageAppliesTo { get; init; } = CoverageTargets.Both;

    /// <summary>An LLM is configured on the worker, so agents can fix what the tools cannot.</summary>
    public bool AgentsAvailable { get; init; }

    /// <summary>
    /// The gate's settings from the repository's configuration. Without configured checks they are detected from the
    /// repository's files (<see cref="CheckDetection"/>).
    /// </summary>
    /// <param name="gate">The configuration's quality_gate section.</param>
    /// <param name="files">Repository-relative paths of the checkout's files.</param>
    /// <param name="texts">The texts of the manifests detection reads (<see cref="CheckDetection.ManifestsToRead"/>), by path.</param>
    public static QualityGateConfig From(QualityGateSection gate, IReadOnlyCollection<string> files, IReadOnlyDictionary<string, string>? texts = null)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(files);
        var (checks, skipped) = gate.Checks.Count > 0
            ? new DetectedChecks(gate.Checks, [.. CheckConfig.Names.Where(n => gate.Checks.All(c => c.Name != n)).Select(n => new SkippedCheck(n, "not configured in .github/ghbot.yml"))])
            : CheckDetection.Detect(files, texts ?? new Dictionary<string, string>());
        return new QualityGateConfig(gate.RequiredScore ?? 85, gate.RequiredCoverage ?? 80, gate.AutoFix, checks)
        {
            Skipped = skipped,
            CoverageAppliesTo = gate.CoverageAppliesTo,
        };
    }
}

/// <summary>The values of quality_gate.coverage_applies_to.</summary>
public static class CoverageTargets
{
    public const string Overall = "overall";

    public const string Changed = "changed";

    public const string Both = "both";
}

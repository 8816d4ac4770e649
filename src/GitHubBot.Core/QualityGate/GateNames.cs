namespace GitHubBot.Core.QualityGate;

/// <summary>Names GitHub users see.</summary>
public static class CheckRunNames
{
    public const string QualityGate = "GitHubBot / quality gate";

    /// <summary>The check run of one check, e.g. "GitHubBot / unit tests".</summary>
    public static string ForCheck(string check) => $"GitHubBot / {check.Replace('_', ' ')}";
}

/// <summary>Identifiers of the quality gate's check-run buttons.</summary>
public static class GateButtons
{
    public const string ApplyFixes = "apply-fixes";

    public const string Rerun = "rerun";
}

/// <summary>Labels the gate puts on PRs.</summary>
public static class GateLabels
{
    /// <summary>On a PR whose gate waits for /ok-to-test.</summary>
    public const string NeedsOkToTest = "needs-ok-to-test";
}

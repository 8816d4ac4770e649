namespace GitHubBot.Core.Contracts;

/// <summary>Where a GitHub call goes: a repository and the installation that may act on it.</summary>
public sealed record RepositoryTarget(string Owner, string Repo, long? InstallationId);

/// <summary>Input of the CreateCheckRun activity.</summary>
public sealed record CreateCheckRunRequest(
    RepositoryTarget Target,
    string Name,
    string HeadSha,
    string Status,
    string Title,
    string Summary);

/// <summary>Input of the CompleteCheckRun activity. Conclusion is one of GitHub's check-run conclusions.</summary>
public sealed record CompleteCheckRunRequest(
    RepositoryTarget Target,
    long CheckRunId,
    string Conclusion,
    string Title,
    string Summary)
{
    /// <summary>Buttons on the completed run (at most three; GitHub sends check_run requested_action when one is clicked).</summary>
    public IReadOnlyList<CheckRunButton> Buttons { get; init; } = [];
}

/// <summary>A check-run button: label ≤ 20 characters, description ≤ 40, identifier ≤ 20.</summary>
public sealed record CheckRunButton(string Label, string Description, string Identifier);

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

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
    string Summary);

/// <summary>Names GitHub users see.</summary>
public static class CheckRunNames
{
    public const string QualityGate = "GitHubBot / quality gate";
}

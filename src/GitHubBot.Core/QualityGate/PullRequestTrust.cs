namespace GitHubBot.Core.QualityGate;

/// <summary>
/// What a pull request is trusted with, read the same way wherever its facts come from: a <c>pull_request</c> delivery,
/// or the PR as GitHub reports it when a re-run, a button or a command starts the gate. <see cref="GateTexts.Untrusted"/>
/// then decides whether the gate waits for <c>/ok-to-test</c>.
/// </summary>
public static class PullRequestTrust
{
    /// <summary>
    /// Whether the PR comes from a fork: its head repository is not its base repository, or either is unknown (a deleted
    /// fork): untrusted unless proven otherwise.
    /// </summary>
    public static bool FromFork(long? headRepositoryId, long? baseRepositoryId) =>
        headRepositoryId is not { } head || baseRepositoryId is not { } baseRepository || head != baseRepository;

    /// <summary>
    /// The author association the gate judges: null (nothing to vouch for) only for a bot's PR from a branch of the
    /// repository itself, which was pushed with write access to it; bots' PRs from forks are treated like anyone's, and
    /// a missing association counts as NONE.
    /// </summary>
    public static string? Association(string? authorAssociation, bool authorIsBot, bool fromFork) =>
        !fromFork && authorIsBot ? null
        : string.IsNullOrEmpty(authorAssociation) ? "NONE"
        : authorAssociation;
}

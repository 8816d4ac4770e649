namespace GitHubBot.Core.Config;

/// <summary>Result of the FetchRepoConfig activity: the typed configuration, or what is wrong with it.</summary>
public sealed record RepoConfigResult
{
    /// <summary>The configuration; null when it has <see cref="Problems"/>.</summary>
    public RepoConfig? Config { get; init; }

    public IReadOnlyList<ConfigProblem> Problems { get; init; } = [];

    /// <summary>The merged configuration as JSON: only in results recorded before the configuration was typed.</summary>
    public string? MergedJson { get; init; }

    /// <summary>
    /// The configuration to act on: <see cref="Config"/>, or for a result recorded before the configuration was typed
    /// (a workflow history of an earlier version) the same values read from <see cref="MergedJson"/>.
    /// </summary>
    public RepoConfig Resolve() => Config ?? (MergedJson is { Length: > 0 } json ? RepoConfig.FromJson(json) : new RepoConfig());
}

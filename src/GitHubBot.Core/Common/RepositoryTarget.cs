namespace GitHubBot.Core.Common;

/// <summary>Where a GitHub call goes: a repository and the installation that may act on it.</summary>
public sealed record RepositoryTarget(string Owner, string Repo, long? InstallationId);

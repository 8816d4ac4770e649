using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>Tests in this collection share one real Temporal dev server.</summary>
[CollectionDefinition(Name)]
public sealed class TemporalCollection : ICollectionFixture<TemporalServerFixture>
{
    public const string Name = "Temporal";
}

using System.Collections.Concurrent;

namespace GitHubBot.Workflows.GitHub;

/// <summary>An installation access token and when GitHub said it expires.</summary>
public sealed record InstallationToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>What one installation token covers: one repository of an installation, with one access.</summary>
public sealed record TokenScope(long InstallationId, string Repository, GitHubAccess Access)
{
    public override string ToString() => $"installation {InstallationId}, {Repository}, {Access.Name}";
}

/// <summary>
/// Caches installation tokens per installation, repository and access, and renews them 5 minutes before they expire,
/// so a token handed to an activity stays valid for the whole call. One fetch at a time per scope.
/// </summary>
public sealed class InstallationTokenCache(Func<TokenScope, Task<InstallationToken>> fetch, TimeProvider time)
{
    /// <summary>How long before expiry a token is renewed.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(long, string, string), Entry> entries = new();

    public async Task<string> GetTokenAsync(TokenScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);

        // Repository names are case-insensitive on GitHub: one token for every spelling.
        var entry = entries.GetOrAdd((scope.InstallationId, scope.Repository.ToLowerInvariant(), scope.Access.Name), static _ => new Entry());
        if (entry.Current is { } fresh && IsFresh(fresh))
        {
            return fresh.Token;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Current is { } again && IsFresh(again))
            {
                return again.Token;
            }

            entry.Current = await fetch(scope);
            return entry.Current.Token;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private bool IsFresh(InstallationToken token) => time.GetUtcNow() < token.ExpiresAt - RenewBefore;

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public InstallationToken? Current { get; set; }
    }
}

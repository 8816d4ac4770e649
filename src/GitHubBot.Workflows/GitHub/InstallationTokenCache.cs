using System.Collections.Concurrent;

namespace GitHubBot.Workflows.GitHub;

/// <summary>An installation access token and when GitHub said it expires.</summary>
public sealed record InstallationToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// Caches installation tokens per installation and renews them 5 minutes before they expire, so a token
/// handed to an activity stays valid for the whole call. One fetch at a time per installation.
/// </summary>
public sealed class InstallationTokenCache(Func<long, Task<InstallationToken>> fetch, TimeProvider time)
{
    /// <summary>How long before expiry a token is renewed.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<long, Entry> entries = new();

    public async Task<string> GetTokenAsync(long installationId, CancellationToken cancellationToken)
    {
        var entry = entries.GetOrAdd(installationId, static _ => new Entry());
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

            entry.Current = await fetch(installationId);
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

using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Time.Testing;

namespace GitHubBot.Workflows.Tests;

public sealed class InstallationTokenCacheTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly List<long> fetches = [];
    private readonly List<TokenScope> scopes = [];

    private InstallationTokenCache NewCache() => new(scope =>
    {
        lock (fetches)
        {
            fetches.Add(scope.InstallationId);
            scopes.Add(scope);
            return Task.FromResult(new InstallationToken($"token-{scope.InstallationId}-{fetches.Count}", clock.GetUtcNow().AddHours(1)));
        }
    }, clock);

    private static TokenScope Scope(long installation, string repository = "app", GitHubAccess? access = null) => new(installation, repository, access ?? GitHubAccess.Checks);

    [Fact]
    public async Task A_token_is_reused_until_five_minutes_before_it_expires()
    {
        var cache = NewCache();

        var first = await cache.GetTokenAsync(Scope(7), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(54));
        var stillCached = await cache.GetTokenAsync(Scope(7), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var renewed = await cache.GetTokenAsync(Scope(7), CancellationToken.None);

        Assert.Equal("token-7-1", first);
        Assert.Equal(first, stillCached);
        Assert.Equal("token-7-2", renewed);
        Assert.Equal([7L, 7L], fetches);
    }

    [Fact]
    public async Task Each_installation_has_its_own_token()
    {
        var cache = NewCache();

        var a = await cache.GetTokenAsync(Scope(1), CancellationToken.None);
        var b = await cache.GetTokenAsync(Scope(2), CancellationToken.None);

        Assert.NotEqual(a, b);
        Assert.Equal([1L, 2L], fetches);
    }

    [Fact]
    public async Task Each_repository_and_access_of_an_installation_has_its_own_token_and_a_repositorys_spelling_does_not_matter()
    {
        var cache = NewCache();

        var checks = await cache.GetTokenAsync(Scope(1, "app", GitHubAccess.Checks), CancellationToken.None);
        var push = await cache.GetTokenAsync(Scope(1, "app", GitHubAccess.Push), CancellationToken.None);
        var other = await cache.GetTokenAsync(Scope(1, "other", GitHubAccess.Checks), CancellationToken.None);
        var again = await cache.GetTokenAsync(Scope(1, "App", GitHubAccess.Checks), CancellationToken.None);

        Assert.Equal(3, new[] { checks, push, other }.Distinct().Count());
        Assert.Equal(checks, again);
        Assert.Equal([("app", "checks"), ("app", "push"), ("other", "checks")], scopes.Select(s => (s.Repository, s.Access.Name)));
    }

    [Fact]
    public async Task Concurrent_callers_share_one_fetch()
    {
        var release = new TaskCompletionSource<InstallationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var cache = new InstallationTokenCache(_ =>
        {
            Interlocked.Increment(ref calls);
            return release.Task;
        }, clock);

        // Twenty callers arrive while the first fetch is still in flight.
        var waiting = Enumerable.Range(0, 20).Select(_ => cache.GetTokenAsync(Scope(9), CancellationToken.None)).ToList();
        await Task.Delay(100);
        release.SetResult(new InstallationToken("token-9", clock.GetUtcNow().AddHours(1)));
        var tokens = await Task.WhenAll(waiting);

        Assert.All(tokens, token => Assert.Equal("token-9", token));
        Assert.Equal(1, calls);
    }
}

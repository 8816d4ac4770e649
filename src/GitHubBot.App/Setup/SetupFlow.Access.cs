using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace GitHubBot.App.Setup;

/// <summary>
/// Who may use <c>/setup</c>: the holder of the one-time setup token printed in the log at start (the operator's
/// proof), in the browser it was opened in (a session cookie), at an expected host name (against DNS rebinding). A
/// page's state is bound to that browser: a callback with another browser's cookie, or none, stores nothing.
/// </summary>
public sealed partial class SetupFlow
{
    /// <summary>The cookie that binds a browser which opened the setup link to the states of its pages.</summary>
    public const string SessionCookie = "ghbot-setup";

    private const int MaxPendingStates = 256;
    private const int MaxSessions = 64;

    private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, string Session)> states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> sessions = new(StringComparer.Ordinal);

    /// <summary>The setup token of this run: 32 random bytes, base64url, printed only in the log line with the setup link.</summary>
    public string SetupToken { get; } = Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// The browser session of a request to <c>/setup</c>: with the right token a new one (or the browser's own, kept),
    /// without a token the one its cookie names; null when neither (a wrong token is refused even with a cookie).
    /// </summary>
    public string? Session(string? token, string? cookie)
    {
        var now = time.GetUtcNow();
        var known = cookie is not null && sessions.TryGetValue(cookie, out var expires) && expires > now;
        if (token is null)
        {
            return known ? cookie : null;
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(SetupToken)))
        {
            return null;
        }

        var session = known ? cookie! : Base64Url(RandomNumberGenerator.GetBytes(32));
        sessions[session] = now + StateLifetime;
        Evict(sessions, MaxSessions, now, static expires => expires);
        return session;
    }

    /// <summary>A new single-use state for one page's form, bound to <paramref name="session"/>.</summary>
    public string NewState(string session)
    {
        var now = time.GetUtcNow();
        var state = Base64Url(RandomNumberGenerator.GetBytes(32));
        states[state] = (now + StateLifetime, session);
        Evict(states, MaxPendingStates, now, static entry => entry.Expires);
        return state;
    }

    /// <summary>
    /// Whether <paramref name="state"/> is one this server handed out to the browser of <paramref name="session"/>, not
    /// expired; it is used up either way.
    /// </summary>
    public bool TakeState(string? state, string? session) =>
        !string.IsNullOrEmpty(state) && states.TryRemove(state, out var entry) && entry.Expires > time.GetUtcNow()
        && session is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session), Encoding.UTF8.GetBytes(entry.Session));

    /// <summary>
    /// Why <c>/setup</c> does not answer at the host the request names, or null: only Setup:PublicUrl's host and
    /// loopback names are expected, so a page of another site that rebinds its name to this server gets nothing. Without
    /// --public-url a host that is not loopback would also give GitHub http:// URLs: the operator is told to pass it.
    /// </summary>
    public string? HostProblem(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = request.Host.Host;
        if (host is "localhost" or "127.0.0.1" or "[::1]" or "::1"
            || settings.PublicUrl is { } configured && string.Equals(host, configured.IdnHost, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return settings.PublicUrl is { } publicUrl
            ? $"Unexpected host: this server's setup page answers at {publicUrl.Host} (--public-url) and at localhost, not at '{request.Host}'."
            : $"Unexpected host: without --public-url this server's setup page answers at localhost only, not at '{request.Host}', and GitHub would be given http:// addresses for it. If GitHub and your browser reach this server at that address, restart `ghbot serve` with --public-url https://… (its HTTPS address), then open the setup link it logs.";
    }

    /// <summary>Drops expired entries, then the oldest while more than <paramref name="max"/> are kept.</summary>
    private static void Evict<T>(ConcurrentDictionary<string, T> entries, int max, DateTimeOffset now, Func<T, DateTimeOffset> expiry)
    {
        foreach (var (key, value) in entries)
        {
            if (expiry(value) <= now)
            {
                entries.TryRemove(key, out _);
            }
        }

        if (entries.Count > max)
        {
            foreach (var (key, _) in entries.OrderBy(entry => expiry(entry.Value)).Take(entries.Count - max).ToList())
            {
                entries.TryRemove(key, out _);
            }
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

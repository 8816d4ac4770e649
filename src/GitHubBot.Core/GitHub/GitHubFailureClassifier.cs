using System.Globalization;
using System.Net;

namespace GitHubBot.Core.GitHub;

/// <summary>How a failed GitHub call should be retried.</summary>
public enum GitHubFailureKind
{
    /// <summary>Primary rate limit: wait until x-ratelimit-reset.</summary>
    RateLimit,

    /// <summary>Secondary rate limit: wait Retry-After, else at least a minute.</summary>
    SecondaryRateLimit,

    /// <summary>5xx: GitHub's side; retry with backoff.</summary>
    ServerError,

    /// <summary>Other 4xx: our request is wrong; retrying will not help.</summary>
    ClientError,
}

/// <summary>The decision for one failed GitHub call.</summary>
public sealed record GitHubFailureDecision(GitHubFailureKind Kind, bool Retryable, TimeSpan? NextRetryDelay, string Message)
{
    /// <summary>The error type carried by the activity failure, stable for alerting and tests.</summary>
    public string ErrorType => Kind switch
    {
        GitHubFailureKind.RateLimit => "GitHubRateLimit",
        GitHubFailureKind.SecondaryRateLimit => "GitHubSecondaryRateLimit",
        GitHubFailureKind.ServerError => "GitHubServerError",
        _ => "GitHubClientError",
    };
}

/// <summary>
/// The one place that decides how GitHub failures are retried: rate limits and 5xx are retryable with
/// the wait GitHub asked for; any other 4xx is permanent (GitHub's REST guidance on rate limits).
/// </summary>
public static class GitHubFailureClassifier
{
    /// <summary>GitHub asks for at least a minute when a secondary limit gives no Retry-After.</summary>
    public static readonly TimeSpan SecondaryRateLimitMinimumWait = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan MinimumWait = TimeSpan.FromSeconds(1);

    /// <param name="statusCode">HTTP status of the failed response.</param>
    /// <param name="header">Looks up a response header by name (case-insensitive), null when absent.</param>
    /// <param name="message">GitHub's error message, if any.</param>
    /// <param name="now">The current time, for turning x-ratelimit-reset into a wait.</param>
    public static GitHubFailureDecision Classify(HttpStatusCode statusCode, Func<string, string?> header, string? message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        var status = (int)statusCode;
        var text = string.IsNullOrWhiteSpace(message) ? statusCode.ToString() : message.Trim();

        if (status is 403 or 429)
        {
            var retryAfter = ParseRetryAfter(header("Retry-After"), now);
            if (header("x-ratelimit-remaining") == "0" && retryAfter is null
                && long.TryParse(header("x-ratelimit-reset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var resetEpoch))
            {
                var wait = Max(DateTimeOffset.FromUnixTimeSeconds(resetEpoch) - now, MinimumWait);
                return new(GitHubFailureKind.RateLimit, true, wait, $"GitHub rate limit exhausted; resets in {wait.TotalSeconds:0}s: {text}");
            }

            if (retryAfter is not null)
            {
                return new(GitHubFailureKind.SecondaryRateLimit, true, retryAfter, $"GitHub secondary rate limit; retry after {retryAfter.Value.TotalSeconds:0}s: {text}");
            }

            if (status == 429 || text.Contains("rate limit", StringComparison.OrdinalIgnoreCase))
            {
                return new(GitHubFailureKind.SecondaryRateLimit, true, SecondaryRateLimitMinimumWait, $"GitHub secondary rate limit; retry after 60s: {text}");
            }
        }

        if (status >= 500)
        {
            return new(GitHubFailureKind.ServerError, true, ParseRetryAfter(header("Retry-After"), now), $"GitHub server error {status}: {text}");
        }

        return new(GitHubFailureKind.ClientError, false, null, $"GitHub answered {status}: {text}");
    }

    private static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            return Max(TimeSpan.FromSeconds(seconds), MinimumWait);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? Max(at - now, MinimumWait)
            : null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

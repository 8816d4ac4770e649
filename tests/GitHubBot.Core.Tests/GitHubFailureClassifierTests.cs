using System.Net;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.Tests;

public sealed class GitHubFailureClassifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static Func<string, string?> Headers(params (string Name, string Value)[] headers) =>
        name => headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    [Fact]
    public void Primary_rate_limit_waits_until_the_reset_time()
    {
        var reset = Now.AddMinutes(7).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var decision = GitHubFailureClassifier.Classify(HttpStatusCode.Forbidden, Headers(("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset)), "API rate limit exceeded", Now);

        Assert.Equal(GitHubFailureKind.RateLimit, decision.Kind);
        Assert.True(decision.Retryable);
        Assert.Equal(TimeSpan.FromMinutes(7), decision.NextRetryDelay);
        Assert.Equal("GitHubRateLimit", decision.ErrorType);
    }

    [Fact]
    public void Primary_rate_limit_whose_reset_has_passed_still_waits_a_moment()
    {
        var reset = Now.AddSeconds(-5).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var decision = GitHubFailureClassifier.Classify((HttpStatusCode)429, Headers(("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset)), null, Now);

        Assert.Equal(GitHubFailureKind.RateLimit, decision.Kind);
        Assert.Equal(TimeSpan.FromSeconds(1), decision.NextRetryDelay);
    }

    [Fact]
    public void Secondary_rate_limit_uses_retry_after()
    {
        var decision = GitHubFailureClassifier.Classify(HttpStatusCode.Forbidden, Headers(("Retry-After", "120")), "You have exceeded a secondary rate limit", Now);

        Assert.Equal(GitHubFailureKind.SecondaryRateLimit, decision.Kind);
        Assert.True(decision.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(120), decision.NextRetryDelay);
    }

    [Fact]
    public void Secondary_rate_limit_without_retry_after_waits_at_least_a_minute()
    {
        var decision = GitHubFailureClassifier.Classify(HttpStatusCode.Forbidden, Headers(), "You have exceeded a secondary rate limit. Please wait a few minutes.", Now);

        Assert.Equal(GitHubFailureKind.SecondaryRateLimit, decision.Kind);
        Assert.Equal(TimeSpan.FromSeconds(60), decision.NextRetryDelay);
    }

    [Fact]
    public void Too_many_requests_without_headers_is_a_secondary_limit()
    {
        var decision = GitHubFailureClassifier.Classify((HttpStatusCode)429, Headers(), null, Now);

        Assert.Equal(GitHubFailureKind.SecondaryRateLimit, decision.Kind);
        Assert.True(decision.NextRetryDelay >= TimeSpan.FromSeconds(60));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public void Server_errors_are_retried_with_backoff(HttpStatusCode status)
    {
        var decision = GitHubFailureClassifier.Classify(status, Headers(), "Server Error", Now);

        Assert.Equal(GitHubFailureKind.ServerError, decision.Kind);
        Assert.True(decision.Retryable);
        Assert.Null(decision.NextRetryDelay);
    }

    [Fact]
    public void Server_error_with_retry_after_honours_it()
    {
        var decision = GitHubFailureClassifier.Classify(HttpStatusCode.ServiceUnavailable, Headers(("Retry-After", "30")), null, Now);

        Assert.Equal(TimeSpan.FromSeconds(30), decision.NextRetryDelay);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "Not Found")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "Validation Failed")]
    [InlineData(HttpStatusCode.Unauthorized, "Bad credentials")]
    [InlineData(HttpStatusCode.Forbidden, "Resource not accessible by integration")]
    public void Other_client_errors_are_permanent_and_say_what_github_said(HttpStatusCode status, string message)
    {
        var decision = GitHubFailureClassifier.Classify(status, Headers(), message, Now);

        Assert.Equal(GitHubFailureKind.ClientError, decision.Kind);
        Assert.False(decision.Retryable);
        Assert.Null(decision.NextRetryDelay);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), decision.Message, StringComparison.Ordinal);
        Assert.Contains(message, decision.Message, StringComparison.Ordinal);
        Assert.Equal("GitHubClientError", decision.ErrorType);
    }
}

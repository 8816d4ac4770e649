using GitHubBot.Core.GitHub;
using Octokit;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// Turns Octokit failures into Temporal activity failures, using <see cref="GitHubFailureClassifier"/>:
/// rate limits and 5xx are retryable with GitHub's wait as the next retry delay; other 4xx are not.
/// Messages carry GitHub's status and message, never a token.
/// </summary>
public static class GitHubFailures
{
    /// <param name="call">The Octokit call.</param>
    /// <param name="time">The clock that turns x-ratelimit-reset into a wait.</param>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        try
        {
            return await call();
        }
        catch (ApiException ex)
        {
            throw ToFailure(ex, time.GetUtcNow());
        }
    }

    public static ApplicationFailureException ToFailure(ApiException exception, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var headers = exception.HttpResponse?.Headers;
        var decision = GitHubFailureClassifier.Classify(
            exception.StatusCode,
            name => headers is null ? null : headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value,
            exception.ApiError?.Message ?? exception.Message,
            now);
        return new ApplicationFailureException(
            decision.Message,
            exception,
            errorType: decision.ErrorType,
            nonRetryable: !decision.Retryable,
            nextRetryDelay: decision.NextRetryDelay);
    }
}

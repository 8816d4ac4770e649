using System.Globalization;
using GitHubBot.Core.Common;
using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using Octokit;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Tests;

public sealed class GitHubClientsTests : IDisposable
{
    private readonly GitHubFake fake = new();

    public void Dispose() => fake.Dispose();

    [Fact]
    public async Task An_installation_token_is_fetched_with_a_valid_app_jwt_once_and_then_reused()
    {
        fake.ExpectInstallationToken(77, "ghs_cached");
        fake.Respond("GET", "/repos/octo/app", 200, """{"id":1,"name":"app","full_name":"octo/app"}""");
        using var clients = TestApp.Clients(fake);

        var first = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 77), CancellationToken.None);
        var second = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 77), CancellationToken.None);
        await first.Repository.Get("octo", "app");
        await second.Repository.Get("octo", "app");

        Assert.Single(fake.RequestsTo("POST", "/app/installations/77/access_tokens"));
        Assert.Empty(fake.JwtProblems);
        Assert.All(fake.RequestsTo("GET", "/repos/octo/app"), r => Assert.Equal("Bearer ghs_cached", r.Headers!["Authorization"].Single()));
        fake.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_repository_without_a_known_installation_is_looked_up_as_the_app()
    {
        fake.Respond("GET", "/repos/octo/app/installation", 200, """{"id":555,"account":{"login":"octo"}}""");
        fake.ExpectInstallationToken(555, "ghs_found");
        using var clients = TestApp.Clients(fake);

        await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", null), CancellationToken.None);
        await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", null), CancellationToken.None);

        var lookups = fake.RequestsTo("GET", "/repos/octo/app/installation");
        Assert.Single(lookups);
        Assert.StartsWith("Bearer ey", lookups[0].Headers!["Authorization"].Single(), StringComparison.Ordinal);
        Assert.Single(fake.RequestsTo("POST", "/app/installations/555/access_tokens"));
        fake.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_primary_rate_limit_becomes_a_retryable_failure_that_waits_for_the_reset()
    {
        var reset = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        fake.ExpectInstallationToken(1, "ghs_x");
        fake.Respond("GET", "/repos/octo/app", 403, """{"message":"API rate limit exceeded for installation ID 1."}""",
            new Dictionary<string, string> { ["X-RateLimit-Limit"] = "5000", ["X-RateLimit-Remaining"] = "0", ["X-RateLimit-Reset"] = reset });
        using var clients = TestApp.Clients(fake);
        var client = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 1), CancellationToken.None);

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() => GitHubFailures.CallAsync(() => client.Repository.Get("octo", "app"), TimeProvider.System));

        Assert.False(failure.NonRetryable);
        Assert.Equal("GitHubRateLimit", failure.ErrorType);
        Assert.InRange(failure.NextRetryDelay!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_secondary_rate_limit_waits_retry_after()
    {
        fake.ExpectInstallationToken(1, "ghs_x");
        fake.Respond("POST", "/repos/octo/app/check-runs", 403, """{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}""",
            new Dictionary<string, string> { ["Retry-After"] = "90" });
        using var clients = TestApp.Clients(fake);
        var client = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 1), CancellationToken.None);

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() => GitHubFailures.CallAsync(() => client.Check.Run.Create("octo", "app", new NewCheckRun("x", "abc")), TimeProvider.System));

        Assert.False(failure.NonRetryable);
        Assert.Equal("GitHubSecondaryRateLimit", failure.ErrorType);
        Assert.Equal(TimeSpan.FromSeconds(90), failure.NextRetryDelay);
    }

    [Fact]
    public async Task A_server_error_is_retryable_and_a_not_found_is_not()
    {
        fake.ExpectInstallationToken(1, "ghs_x");
        fake.Respond("GET", "/repos/octo/down", 502, """{"message":"Server Error"}""");
        fake.Respond("GET", "/repos/octo/gone", 404, """{"message":"Not Found"}""");
        using var clients = TestApp.Clients(fake);
        var client = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 1), CancellationToken.None);

        var serverError = await Assert.ThrowsAsync<ApplicationFailureException>(() => GitHubFailures.CallAsync(() => client.Repository.Get("octo", "down"), TimeProvider.System));
        var notFound = await Assert.ThrowsAsync<ApplicationFailureException>(() => GitHubFailures.CallAsync(() => client.Repository.Get("octo", "gone"), TimeProvider.System));

        Assert.False(serverError.NonRetryable);
        Assert.Equal("GitHubServerError", serverError.ErrorType);
        Assert.True(notFound.NonRetryable);
        Assert.Equal("GitHubClientError", notFound.ErrorType);
        Assert.Contains("404", notFound.Message, StringComparison.Ordinal);
        Assert.Contains("Not Found", notFound.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_x", notFound.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_request_with_a_jwt_the_fake_rejects_fails_permanently()
    {
        fake.ExpectInstallationToken(3, "ghs_never");
        using var otherKey = System.Security.Cryptography.RSA.Create(2048);
        var options = Microsoft.Extensions.Options.Options.Create(new GitHubOptions { AppId = fake.AppId, PrivateKey = otherKey.ExportRSAPrivateKeyPem(), ApiBaseUrl = fake.ApiBaseUrl });
        using var clients = new GitHubClients(options, new AppJwtFactory(options, TimeProvider.System), TimeProvider.System);

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() => clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 3), CancellationToken.None));

        Assert.True(failure.NonRetryable);
        Assert.Contains("401", failure.Message, StringComparison.Ordinal);
        Assert.Single(fake.JwtProblems);
    }
}

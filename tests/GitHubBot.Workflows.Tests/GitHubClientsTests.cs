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

        var first = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 77), GitHubAccess.Metadata, CancellationToken.None);
        var second = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 77), GitHubAccess.Metadata, CancellationToken.None);
        await first.Repository.Get("octo", "app");
        await second.Repository.Get("octo", "app");

        Assert.Single(fake.RequestsTo("POST", "/app/installations/77/access_tokens"));
        Assert.Empty(fake.JwtProblems);
        Assert.All(fake.RequestsTo("GET", "/repos/octo/app"), r => Assert.Equal("Bearer ghs_cached", r.Headers!["Authorization"].Single()));
        fake.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_token_covers_the_one_repository_and_the_permissions_of_its_access_and_is_kept_per_repository_and_access()
    {
        fake.ExpectInstallationToken(77, "ghs_scoped");
        using var clients = TestApp.Clients(fake);
        var app = new RepositoryTarget("octo", "app", 77);

        await clients.ForRepositoryAsync(app, GitHubAccess.Checks, CancellationToken.None);
        await clients.ForRepositoryAsync(app, GitHubAccess.Checks, CancellationToken.None);
        await clients.InstallationTokenAsync(app, GitHubAccess.Push, CancellationToken.None);
        await clients.ForRepositoryAsync(app with { Repo = "other" }, GitHubAccess.Conversation, CancellationToken.None);

        // The exact bodies Octokit's connection sent: one repository by name, the access's permissions, nothing else.
        Assert.Equal(
            [
                """{"repositories":["app"],"permissions":{"checks":"write","metadata":"read"}}""",
                """{"repositories":["app"],"permissions":{"contents":"write","metadata":"read"}}""",
                """{"repositories":["other"],"permissions":{"issues":"write","metadata":"read","pull_requests":"write"}}""",
            ],
            fake.RequestsTo("POST", "/app/installations/77/access_tokens").Select(r => r.Body));
        Assert.Empty(fake.TokenProblems);
        Assert.Equal(3, fake.TokenRequests.Count);
    }

    [Fact]
    public async Task The_fake_refuses_a_token_for_every_repository_or_beyond_the_apps_permissions_as_github_would()
    {
        fake.ExpectInstallationToken(5, "ghs_wide");
        using var clients = TestApp.Clients(fake);

        // Octokit's own call sends no body: a token for every repository, with every permission.
        var unscoped = await Assert.ThrowsAsync<ApiValidationException>(() => clients.ForApp().GitHubApps.CreateInstallationToken(5));
        var workflows = await Assert.ThrowsAsync<ApiValidationException>(() => clients.ForApp().Connection.Post<AccessToken>(
            ApiUrls.AccessTokens(5), """{"repositories":["app"],"permissions":{"workflows":"write"}}""", "application/vnd.github+json", "application/json"));

        Assert.Equal(2, fake.TokenProblems.Count);
        Assert.Contains("every repository", unscoped.Message, StringComparison.Ordinal);
        Assert.Contains("workflows", workflows.Message, StringComparison.Ordinal);
        Assert.Empty(fake.TokenRequests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_configuration_is_read_with_read_only_tokens_and_an_organization_repository_outside_the_installation_is_skipped(bool installationKnown)
    {
        fake.ExpectInstallationToken(8, "ghs_config", repositories: ["app"])
            .ExpectRepositoryInstallation("octo", "app", 8)
            .RespondFile("octo", "app", ".github/ghbot.yml", "quality_gate:\n  required_coverage: 91\n");
        using var clients = TestApp.Clients(fake);

        // An incident knows the repository, not the installation: the organization's repository is asked for under the same one.
        var config = await RepoConfigReader.ReadAsync(clients, new RepositoryTarget("octo", "app", installationKnown ? 8 : null), TimeProvider.System, CancellationToken.None);

        Assert.Empty(config.Problems);
        Assert.Equal(91d, config.Resolve().QualityGate.RequiredCoverage);
        var minted = Assert.Single(fake.TokenRequests);
        Assert.Equal(("app", "contents=read,metadata=read"), (minted.Repository, string.Join(',', minted.Permissions.Select(p => $"{p.Key}={p.Value}"))));
        Assert.Empty(fake.RequestsTo("GET", "/repos/octo/.github/contents/.github/ghbot.yml"));
        Assert.Equal(installationKnown ? 0 : 1, fake.RequestsTo("GET", "/repos/octo/app/installation").Count);
        fake.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_repository_without_a_known_installation_is_looked_up_as_the_app()
    {
        fake.Respond("GET", "/repos/octo/app/installation", 200, """{"id":555,"account":{"login":"octo"}}""");
        fake.ExpectInstallationToken(555, "ghs_found");
        using var clients = TestApp.Clients(fake);

        await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", null), GitHubAccess.Metadata, CancellationToken.None);
        await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", null), GitHubAccess.Metadata, CancellationToken.None);

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
        var client = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 1), GitHubAccess.Metadata, CancellationToken.None);

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
        var client = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 1), GitHubAccess.Metadata, CancellationToken.None);

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
        var client = await clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 1), GitHubAccess.Metadata, CancellationToken.None);

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

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() => clients.ForRepositoryAsync(new RepositoryTarget("octo", "app", 3), GitHubAccess.Metadata, CancellationToken.None));

        Assert.True(failure.NonRetryable);
        Assert.Contains("401", failure.Message, StringComparison.Ordinal);
        Assert.Single(fake.JwtProblems);
    }
}

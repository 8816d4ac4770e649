using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Options;

namespace GitHubBot.Workflows.Tests;

/// <summary>Builds the App's GitHub plumbing against a <see cref="GitHubFake"/>.</summary>
internal static class TestApp
{
    public static IOptions<GitHubOptions> Options(GitHubFake fake) => Microsoft.Extensions.Options.Options.Create(new GitHubOptions
    {
        AppId = fake.AppId,
        PrivateKey = fake.PrivateKeyPem,
        WebhookSecret = "test-secret",
        ApiBaseUrl = fake.ApiBaseUrl,
    });

    public static GitHubClients Clients(GitHubFake fake, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        var options = Options(fake);
        return new GitHubClients(options, new AppJwtFactory(options, clock), clock);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GitHubBot.Workflows.Tests;

public sealed class AppJwtFactoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_jwt_is_rs256_signed_by_the_app_key_issued_a_minute_ago_and_expires_within_ten_minutes()
    {
        using var rsa = RSA.Create(2048);
        var clock = new FakeTimeProvider(Now);
        using var factory = new AppJwtFactory(Options.Create(new GitHubOptions { AppId = 12345, PrivateKey = rsa.ExportRSAPrivateKeyPem() }), clock);

        var token = factory.CreateToken();

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "12345",
            ValidateAudience = false,
            ValidateLifetime = false,
            IssuerSigningKey = new RsaSecurityKey(rsa.ExportParameters(false)),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = new JsonWebToken(token);
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal(Now.AddSeconds(-60).ToUnixTimeSeconds(), long.Parse(jwt.GetClaim("iat").Value, CultureInfo.InvariantCulture));
        var exp = long.Parse(jwt.GetClaim("exp").Value, CultureInfo.InvariantCulture);
        Assert.InRange(exp - Now.ToUnixTimeSeconds(), 60, 600);
    }

    [Fact]
    public void A_key_with_escaped_newlines_from_an_environment_variable_is_accepted()
    {
        using var rsa = RSA.Create(2048);
        var escaped = rsa.ExportRSAPrivateKeyPem().Replace("\n", "\\n", StringComparison.Ordinal);
        using var factory = new AppJwtFactory(Options.Create(new GitHubOptions { AppId = 1, PrivateKey = escaped }), TimeProvider.System);

        Assert.NotEmpty(factory.CreateToken());
    }

    [Fact]
    public void Missing_credentials_name_the_keys_to_set()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new AppJwtFactory(Options.Create(new GitHubOptions()), TimeProvider.System));

        Assert.Contains("GitHub:AppId", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GitHub:PrivateKey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_key_is_reported_without_echoing_it()
    {
        const string notAKey = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END RSA PRIVATE KEY-----";
        var ex = Assert.Throws<InvalidOperationException>(() => new AppJwtFactory(Options.Create(new GitHubOptions { AppId = 1, PrivateKey = notAKey }), TimeProvider.System));

        Assert.Contains("GitHub:PrivateKey", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LXN0dWZm", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Before_setup_a_github_step_is_refused_saying_to_open_setup_and_after_it_the_new_App_signs()
    {
        var settings = new Settings(new GitHubOptions());
        using var factory = new AppJwtFactory(settings, TimeProvider.System);

        var refused = Assert.Throws<Temporalio.Exceptions.ApplicationFailureException>(() => factory.CreateToken());
        Assert.Contains("open /setup", refused.Message, StringComparison.Ordinal);
        Assert.Equal("GitHubAppNotSetUp", refused.ErrorType);

        // /setup stored an App: the same factory signs as it, without a restart; a later App replaces it.
        foreach (var appId in new long[] { 77, 78 })
        {
            using var rsa = RSA.Create(2048);
            settings.CurrentValue = new GitHubOptions { AppId = appId, PrivateKey = rsa.ExportRSAPrivateKeyPem(), WebhookSecret = "s" };
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(factory.CreateToken(), new TokenValidationParameters
            {
                ValidIssuer = appId.ToString(CultureInfo.InvariantCulture),
                ValidateAudience = false,
                IssuerSigningKey = new RsaSecurityKey(rsa.ExportParameters(false)),
            });
            Assert.True(result.IsValid, result.Exception?.Message);
            Assert.Equal(appId, factory.AppId);
        }
    }

    /// <summary>Settings that change while the process runs, as /setup changes them.</summary>
    private sealed class Settings(GitHubOptions initial) : IOptionsMonitor<GitHubOptions>
    {
        public GitHubOptions CurrentValue { get; set; } = initial;

        public GitHubOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<GitHubOptions, string?> listener) => null;
    }
}

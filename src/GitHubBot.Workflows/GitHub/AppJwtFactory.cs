using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// Signs the App's JWT (RS256): issued 60 s in the past against clock drift, expiring 9 minutes from now,
/// inside GitHub's 10-minute limit. The key is loaded once per App identity and never logged. Built on an
/// <see cref="IOptionsMonitor{TOptions}"/>, it follows the App as it changes — created by <c>/setup</c> while the
/// process runs — and, before there is one, fails each call saying so.
/// </summary>
public sealed class AppJwtFactory : IDisposable
{
    private static readonly TimeSpan Backdate = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(9);

    private readonly Func<GitHubOptions> options;
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider time;
    private readonly Lock gate = new();

    // Keys of earlier identities are kept until disposal: a token may be being signed with one as the App changes.
    private readonly List<RSA> keys = [];
    private Signer? current;

    /// <summary>A factory for one fixed identity: the key is loaded at once (a missing or bad one throws, naming the setting).</summary>
    public AppJwtFactory(IOptions<GitHubOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        this.options = () => value;
        this.time = time;
        current = Load(value);
    }

    /// <summary>A factory that follows the App's settings as they change (the host's).</summary>
    public AppJwtFactory(IOptionsMonitor<GitHubOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = () => options.CurrentValue;
        this.time = time;
    }

    /// <summary>The App's ID (the JWT's issuer).</summary>
    /// <exception cref="ApplicationFailureException">No App is set up yet.</exception>
    public long AppId => Current().AppId;

    /// <summary>A fresh App JWT.</summary>
    /// <exception cref="ApplicationFailureException">No App is set up yet.</exception>
    public string CreateToken()
    {
        var signer = Current();
        var now = time.GetUtcNow();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = signer.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            IssuedAt = (now - Backdate).UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = signer.Credentials,
        });
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }

            keys.Clear();
        }
    }

    /// <summary>The message of a GitHub step run before the App exists.</summary>
    public const string NotSetUp = "GitHubBot has no GitHub App yet: open /setup on `ghbot serve` to create it (or set GitHub:AppId and GitHub:PrivateKey). The step is retried until then.";

    private Signer Current()
    {
        var value = options();
        lock (gate)
        {
            if (current is { } known && known.Matches(value))
            {
                return known;
            }

            if (value.HasNoApp() || value.AppId is null)
            {
                throw new ApplicationFailureException(NotSetUp, errorType: "GitHubAppNotSetUp");
            }

            current = Load(value);
            return current;
        }
    }

    private Signer Load(GitHubOptions value)
    {
        var rsa = LoadKey(value);
        keys.Add(rsa);
        return new Signer(value.AppId!.Value, value.PrivateKey, value.PrivateKeyPath, new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256));
    }

    private sealed record Signer(long AppId, string? PrivateKey, string? PrivateKeyPath, SigningCredentials Credentials)
    {
        public bool Matches(GitHubOptions options) =>
            options.AppId == AppId && options.PrivateKey == PrivateKey && options.PrivateKeyPath == PrivateKeyPath;
    }

    /// <summary>Loads the App's RSA key, or fails with a message that names the setting (never the key material).</summary>
    public static RSA LoadKey(GitHubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var missing = options.MissingAppCredentials();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"GitHub App credentials are not configured: set {string.Join(" and ", missing)}.");
        }

        string pem;
        if (string.IsNullOrWhiteSpace(options.PrivateKey))
        {
            try
            {
                pem = File.ReadAllText(options.PrivateKeyPath!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"GitHub:PrivateKeyPath '{options.PrivateKeyPath}' cannot be read: {ex.Message}", ex);
            }
        }
        else
        {
            pem = options.PrivateKey.Replace("\\n", "\n", StringComparison.Ordinal);
        }

        var key = RSA.Create();
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException("GitHub:PrivateKey is not a PEM-encoded RSA private key.", ex);
        }
    }
}

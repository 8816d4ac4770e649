using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// Signs the App's JWT (RS256): issued 60 s in the past against clock drift, expiring 9 minutes from now,
/// inside GitHub's 10-minute limit. The key is loaded once and never logged.
/// </summary>
public sealed class AppJwtFactory : IDisposable
{
    private static readonly TimeSpan Backdate = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(9);

    private readonly RSA rsa;
    private readonly SigningCredentials credentials;
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider time;

    public AppJwtFactory(IOptions<GitHubOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.time = time;
        rsa = LoadKey(options.Value);
        AppId = options.Value.AppId!.Value;
        credentials = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
    }

    public long AppId { get; }

    /// <summary>A fresh App JWT.</summary>
    public string CreateToken()
    {
        var now = time.GetUtcNow();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AppId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            IssuedAt = (now - Backdate).UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = credentials,
        });
    }

    public void Dispose() => rsa.Dispose();

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

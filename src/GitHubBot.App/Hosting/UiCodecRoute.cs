using System.Globalization;
using System.Security.Cryptography;

namespace GitHubBot.App.Hosting;

/// <summary>
/// The codec route the embedded Temporal Web UI decodes encrypted payloads through:
/// <c>/codec/ui/{capability}/decode</c> (and <c>/encode</c>), which <c>ghbot serve</c> passes to the dev server as
/// <c>--ui-codec-endpoint</c> when it runs the UI and a key is set. The UI cannot present Temporal:CodecToken (it
/// sends only the token of an OIDC login, and the dev server's UI has none), so the path holds a random secret made
/// for this process instead: whoever can read the UI's settings can read the UI anyway, and no one who reaches only
/// the bot's public URL can guess it. Browsers may call it from the UI's own origins only.
/// </summary>
public sealed record UiCodecRoute(string Capability, Uri Endpoint, IReadOnlyList<string> Origins)
{
    /// <summary>The path under which the route's capability comes.</summary>
    public const string PathPrefix = "/codec/ui/";

    /// <summary>
    /// The route for this process when the embedded server runs with its UI, a key is set and
    /// Temporal:EmbeddedUiCodec is on; null otherwise, or with <paramref name="why"/> when the bot's URL is not known.
    /// </summary>
    /// <param name="settings">The Temporal settings.</param>
    /// <param name="configuration">Where serve's URLs are configured (urls, http_ports).</param>
    /// <param name="why">Why there is no route although one was wanted; null otherwise.</param>
    public static UiCodecRoute? For(TemporalSettings settings, IConfiguration configuration, out string? why)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        why = null;
        if (!settings.EmbeddedUi || !settings.EmbeddedUiCodec || EncryptionCodec.FromSettings(settings.EncryptionKeys, settings.EncryptionKey) is null)
        {
            return null;
        }

        var baseUrl = settings.EmbeddedUiCodecBaseUrl ?? ListeningUrl(configuration);
        if (baseUrl is null)
        {
            why = "serve listens on port 0 (any free port), so the embedded UI's codec endpoint is not known: set Temporal:EmbeddedUiCodecBaseUrl, or a fixed port in --urls";
            return null;
        }

        var capability = Base64Url(RandomNumberGenerator.GetBytes(32));
        var endpoint = new Uri(baseUrl, string.Concat(baseUrl.AbsolutePath.TrimEnd('/'), PathPrefix, capability));
        var port = settings.EmbeddedUiPort.ToString(CultureInfo.InvariantCulture);
        string[] origins = [$"http://127.0.0.1:{port}", $"http://localhost:{port}", .. string.IsNullOrWhiteSpace(settings.CodecCorsOrigin) ? Array.Empty<string>() : [settings.CodecCorsOrigin.TrimEnd('/')]];
        return new UiCodecRoute(capability, endpoint, origins);
    }

    /// <summary>The endpoint without its secret, for logs.</summary>
    public string Redacted => Endpoint.GetLeftPart(UriPartial.Authority) + PathPrefix + "…";

    /// <summary>
    /// The first URL Kestrel is configured to listen on (urls, else http_ports, else its default
    /// http://localhost:5000), a wildcard host as localhost; null when its port is 0.
    /// </summary>
    public static Uri? ListeningUrl(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        static string? First(string? list) => list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var first = First(configuration["urls"])
            ?? (First(configuration["http_ports"]) is { } port ? $"http://localhost:{port}" : "http://localhost:5000");
        foreach (var wildcard in new[] { "://*:", "://+:", "://0.0.0.0:", "://[::]:" })
        {
            first = first.Replace(wildcard, "://localhost:", StringComparison.Ordinal);
        }

        return Uri.TryCreate(first, UriKind.Absolute, out var url) && url.Port != 0 ? url : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

namespace GitHubBot.Workflows.GitHub;

/// <summary>The GitHub App's identity and where its API lives (configuration section "GitHub").</summary>
public sealed class GitHubOptions
{
    public const string SectionName = "GitHub";

    /// <summary>The App's numeric ID, the JWT issuer.</summary>
    public long? AppId { get; set; }

    /// <summary>The App's private key in PEM form (escaped "\n" sequences are accepted, as environment variables carry them).</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Path of a PEM file holding the private key, used when <see cref="PrivateKey"/> is empty.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The webhook secret deliveries are signed with.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>REST base URL: api.github.com, a GitHub Enterprise Server's /api/v3/, or a test fake.</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.github.com/");

    /// <summary>GitHub's web pages (where Apps are created from a manifest): github.com, or a GitHub Enterprise Server's root.</summary>
    public Uri WebBaseUrl { get; set; } = new("https://github.com/");

    /// <summary>
    /// Whether no App is configured at all — no ID, no key, no webhook secret —: <c>ghbot serve</c> then starts in setup
    /// mode and <c>/setup</c> creates one. Anything configured must be complete.
    /// </summary>
    public bool HasNoApp() =>
        AppId is null && string.IsNullOrWhiteSpace(PrivateKey) && string.IsNullOrWhiteSpace(PrivateKeyPath) && string.IsNullOrWhiteSpace(WebhookSecret);

    /// <summary>The names of the keys the worker needs that are missing, for a start-up error that says what to set.</summary>
    public IReadOnlyList<string> MissingAppCredentials()
    {
        var missing = new List<string>();
        if (AppId is null or <= 0)
        {
            missing.Add("GitHub:AppId");
        }

        if (string.IsNullOrWhiteSpace(PrivateKey) && string.IsNullOrWhiteSpace(PrivateKeyPath))
        {
            missing.Add("GitHub:PrivateKey (or GitHub:PrivateKeyPath)");
        }

        return missing;
    }
}

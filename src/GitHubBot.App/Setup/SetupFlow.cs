using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Options;

namespace GitHubBot.App.Setup;

/// <summary>The "Setup" settings: where GitHub reaches this server, and whether a set-up App may be replaced.</summary>
public sealed class SetupSettings
{
    public const string SectionName = "Setup";

    /// <summary>This server's URL as GitHub and browsers reach it (<c>--public-url</c>); else each request's own.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// Where GitHub sends the App's webhooks when it is not <c>{PublicUrl}/api/github/webhooks</c> (<c>--webhook-url</c>):
    /// a forwarder's channel, such as smee.io's, that relays deliveries to this server.
    /// </summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Whether <c>/setup</c> may create a new App although one is set up (<c>--reset-setup</c>): once.</summary>
    public bool Reset { get; set; }

    /// <summary>Why <see cref="PublicUrl"/> or <see cref="WebhookUrl"/> cannot be used (one line naming the setting), or null.</summary>
    public static string? Problem(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Problem(configuration[$"{SectionName}:PublicUrl"], "Setup:PublicUrl (--public-url) must be this server's absolute http(s) URL as GitHub reaches it, e.g. https://ghbot.example.com")
            ?? Problem(configuration[$"{SectionName}:WebhookUrl"], "Setup:WebhookUrl (--webhook-url) must be the absolute http(s) URL GitHub is to send webhooks to, e.g. https://smee.io/CHANNEL");
    }

    private static string? Problem(string? value, string must) =>
        string.IsNullOrWhiteSpace(value)
        || Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp) && string.IsNullOrEmpty(url.Query) && string.IsNullOrEmpty(url.Fragment)
            ? null
            : $"{must}, not '{value}'.";
}

/// <summary>
/// The manifest flow of <c>/setup</c>: the manifest with this server's URLs, single-use states against forged
/// callbacks, the code exchanged for the App's credentials, and those stored — after which the configuration is read
/// again and the intake and workers act as the new App without a restart.
/// </summary>
public sealed partial class SetupFlow : IDisposable
{
    /// <summary>How long a page's state stays valid: GitHub's manifest codes expire after an hour too.</summary>
    public static readonly TimeSpan StateLifetime = TimeSpan.FromHours(1);

    /// <summary>The largest answer taken from GitHub's conversion (an App's JSON is a few kilobytes).</summary>
    public const int MaxConversionBytes = 1024 * 1024;

    private const int MaxMessageLength = 200;

    private readonly IOptionsMonitor<GitHubOptions> github;
    private readonly SetupSettings settings;
    private readonly StoredAppConfigurationSource store;
    private readonly TimeProvider time;
    private readonly ILogger<SetupFlow> logger;
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(20),
        MaxResponseContentBufferSize = MaxConversionBytes,
    };

    private readonly SemaphoreSlim completing = new(1, 1);
    private int resetLeft;

    public SetupFlow(IOptionsMonitor<GitHubOptions> github, IOptions<SetupSettings> settings, StoredAppConfigurationSource store, TimeProvider time, ILogger<SetupFlow> logger)
    {
        ArgumentNullException.ThrowIfNull(github);
        ArgumentNullException.ThrowIfNull(settings);
        this.github = github;
        this.settings = settings.Value;
        this.store = store;
        this.time = time;
        this.logger = logger;
        resetLeft = this.settings.Reset ? 1 : 0;
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("GitHubBot", "1.0"));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", "2022-11-28");
    }

    /// <summary>Whether an App is configured or stored (the intake then verifies deliveries with its secret).</summary>
    public bool IsSetUp => !github.CurrentValue.HasNoApp();

    /// <summary>GitHub's web pages (github.com or a GitHub Enterprise Server).</summary>
    public Uri WebBaseUrl => AsBase(github.CurrentValue.WebBaseUrl);

    /// <summary>Where the setup pages' forms may go (CSP form-action): this server, GitHub's pages, and --public-url's origin.</summary>
    public string FormActions() =>
        string.Join(' ', new[] { "'self'", WebBaseUrl.GetLeftPart(UriPartial.Authority), settings.PublicUrl?.GetLeftPart(UriPartial.Authority) }.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase));

    /// <summary>Why <c>/setup</c> may not create an App now, or null when it may.</summary>
    public string? Refusal()
    {
        if (!IsSetUp)
        {
            return null;
        }

        var options = github.CurrentValue;
        var stored = AppCredentialStore.Read(store.DataDir);
        var fromStore = stored is not null && options.AppId == stored.Id && options.WebhookSecret == stored.WebhookSecret
            && string.IsNullOrWhiteSpace(options.PrivateKey) && options.PrivateKeyPath == AppCredentialStore.PemPath(store.DataDir);
        if (!fromStore)
        {
            return "GitHubBot is already set up: its GitHub App is configured in its settings (GitHub:AppId, GitHub:PrivateKey, GitHub:WebhookSecret). Those settings win over anything /setup stores: change them to use another App.";
        }

        return Volatile.Read(ref resetLeft) > 0
            ? null
            : $"GitHubBot is already set up as the GitHub App {stored!.Slug} owned by {stored.OwnerOrUnknown}. To replace it with a new App, restart `ghbot serve` with --reset-setup.";
    }

    /// <summary>This server's URL for GitHub and browsers: Setup:PublicUrl, else the request's scheme, host and base path.</summary>
    public string PublicUrl(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (settings.PublicUrl?.ToString() ?? $"{request.Scheme}://{request.Host}{request.PathBase}").TrimEnd('/');
    }

    /// <summary>Where the setup page is, for the one line logged at start: Setup:PublicUrl, else the first address listened on.</summary>
    public string SetupUrl(IEnumerable<string> listening)
    {
        ArgumentNullException.ThrowIfNull(listening);
        var first = settings.PublicUrl?.ToString() ?? listening.FirstOrDefault() ?? "http://localhost:5000";
        return Regex.Replace(first.TrimEnd('/'), "://(\\+|\\*|0\\.0\\.0\\.0|\\[::\\])(?=[:/]|$)", "://localhost") + "/setup";
    }

    /// <summary>The App a reset would replace (stored, --reset-setup given and not used yet), or null.</summary>
    public StoredApp? ResetArmedFor() =>
        Volatile.Read(ref resetLeft) > 0 && IsSetUp && Refusal() is null ? AppCredentialStore.Read(store.DataDir) : null;

    /// <summary>Where the App is to send its webhooks: Setup:WebhookUrl, else this server's intake.</summary>
    public string WebhookUrl(string publicUrl) => settings.WebhookUrl?.ToString() ?? $"{publicUrl}/api/github/webhooks";

    /// <summary>app-manifest.json with this server's URLs: its home, its webhooks (<paramref name="webhookUrl"/>) and the way back.</summary>
    public static string Manifest(string publicUrl, string webhookUrl)
    {
        using var stream = typeof(SetupFlow).Assembly.GetManifestResourceStream("GitHubBot.app-manifest.json")
            ?? throw new InvalidOperationException("app-manifest.json is not embedded in ghbot.");
        var manifest = JsonNode.Parse(stream)!.AsObject();
        manifest["url"] = publicUrl;
        manifest["hook_attributes"]!["url"] = webhookUrl;
        manifest["redirect_url"] = $"{publicUrl}/setup/callback";
        return manifest.ToJsonString();
    }

    /// <summary>A GitHub login (user or organisation): letters, digits and single inner hyphens, at most 39.</summary>
    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\\z")]
    public static partial Regex Login();

    /// <summary>A manifest code as GitHub hands it out (anything else is not sent on).</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}\\z")]
    public static partial Regex Code();

    /// <summary>
    /// Exchanges the code (POST /app-manifests/{code}/conversions, unauthenticated) and stores the App; then the
    /// configuration is read again. Returns the App, or why not (nothing stored then): <see cref="Refusal"/>, or
    /// GitHub's refusal. Not cancelled when the browser goes away: the credentials GitHub hands over are stored even
    /// if nobody sees the page; the client's 20 s timeout bounds it.
    /// </summary>
    public async Task<(StoredApp? App, string? Problem)> CompleteAsync(string code)
    {
        // One at a time: a second callback (another tab) finds the App the first one stored, and is refused.
        await completing.WaitAsync();
        try
        {
            return Refusal() is { } refusal ? (null, refusal) : await ExchangeAsync(code, CancellationToken.None);
        }
        finally
        {
            completing.Release();
        }
    }

    private async Task<(StoredApp? App, string? Problem)> ExchangeAsync(string code, CancellationToken cancellationToken)
    {
        var url = new Uri(AsBase(github.CurrentValue.ApiBaseUrl), $"app-manifests/{Uri.EscapeDataString(code)}/conversions");
        JsonObject body;
        try
        {
            using var response = await http.PostAsync(url, content: null, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != System.Net.HttpStatusCode.Created)
            {
                var message = Truncate((TryParse(text)?["message"] as JsonValue)?.ToString() ?? response.ReasonPhrase);
                Log.ExchangeRefused(logger, (int)response.StatusCode, message);
                return (null, $"GitHub refused to hand over the new App ({(int)response.StatusCode}: {message}). The code is good for one exchange within an hour: open /setup and create the App again.");
            }

            body = TryParse(text) ?? new JsonObject();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            var reason = Truncate(ex.Message);
            Log.ExchangeFailed(logger, reason);
            return (null, $"GitHub ({url.GetLeftPart(UriPartial.Authority)}) could not be reached to hand over the new App, or its answer was larger than {MaxConversionBytes / 1024} KiB: {reason}. Nothing was stored: open /setup and try again.");
        }

        var (app, pem, problem) = Read(body, WebBaseUrl);
        if (app is null)
        {
            return (null, problem);
        }

        AppCredentialStore.Write(store.DataDir, app, pem!);
        Interlocked.Exchange(ref resetLeft, 0);
        store.Reload();
        Log.Stored(logger, app.Slug, app.Id, app.OwnerOrUnknown);
        return (app, null);
    }

    public void Dispose()
    {
        http.Dispose();
        completing.Dispose();
    }

    private static (StoredApp? App, string? Pem, string? Problem) Read(JsonObject body, Uri webBaseUrl)
    {
        var id = body["id"] is JsonValue idValue && idValue.TryGetValue<long>(out var number) ? number : 0;
        var slug = Text(body, "slug");
        var pem = Text(body, "pem");
        var secret = Text(body, "webhook_secret");
        if (id <= 0 || slug is null || pem is null || secret is null || !Uri.TryCreate(Text(body, "html_url"), UriKind.Absolute, out var html))
        {
            return (null, null, "GitHub's answer lacks the App's id, slug, html_url, pem or webhook_secret: nothing was stored. Open /setup and try again.");
        }

        // The install link on the done page comes from here: it must be a page of this GitHub.
        if (!(html.Scheme == Uri.UriSchemeHttps || html.Scheme == webBaseUrl.Scheme) || !string.Equals(html.IdnHost, webBaseUrl.IdnHost, StringComparison.OrdinalIgnoreCase))
        {
            return (null, null, $"GitHub's answer names the App at an address that is not on {webBaseUrl.GetLeftPart(UriPartial.Authority)}: nothing was stored. Open /setup and try again.");
        }

        var owner = body["owner"] is JsonObject ownerObject ? Text(ownerObject, "login") : null;

        try
        {
            using var key = RSA.Create();
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return (null, null, "GitHub's answer holds no usable private key: nothing was stored. Open /setup and try again.");
        }

        return (new StoredApp(id, slug, Text(body, "name"), html, secret, Text(body, "client_id"), Text(body, "client_secret"), owner is not null && Login().IsMatch(owner) ? owner : null), pem, null);
    }

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A base URL that relative paths go beneath (https://HOST/api/v3 and https://HOST/api/v3/ alike).</summary>
    private static Uri AsBase(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri($"{url.GetLeftPart(UriPartial.Path)}/");

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    private static string? Truncate(string? text) => text is { Length: > MaxMessageLength } ? string.Concat(text.AsSpan(0, MaxMessageLength), "…") : text;

    private static partial class Log
    {
        [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "GitHub App {Slug} ({AppId}) owned by {Owner} created from the manifest and stored in DataDir: webhooks signed with its secret are accepted from now on")]
        public static partial void Stored(ILogger logger, string slug, long appId, string owner);

        [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "GitHub refused the App manifest's code with {Status}: {Message}")]
        public static partial void ExchangeRefused(ILogger logger, int status, string? message);

        [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "GitHub could not be reached to exchange the App manifest's code: {Reason}")]
        public static partial void ExchangeFailed(ILogger logger, string reason);
    }
}

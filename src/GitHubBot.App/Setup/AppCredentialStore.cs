using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitHubBot.App.Setup;

/// <summary>The App GitHub created from the manifest, as <c>/setup</c> keeps it (its key is in a file of its own).</summary>
public sealed record StoredApp(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("slug")] string Slug,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("html_url")] Uri HtmlUrl,
    [property: JsonPropertyName("webhook_secret")] string WebhookSecret,
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("client_secret")] string? ClientSecret)
{
    /// <summary>Where the App is installed on accounts and repositories.</summary>
    public Uri InstallUrl => new($"{HtmlUrl.ToString().TrimEnd('/')}/installations/new");
}

/// <summary>
/// The App created by <c>/setup</c>, kept in DataDir: <c>github-app.json</c> (ID, slug, URLs, webhook and client
/// secrets) and <c>github-app.pem</c> (the private key), each readable by this user alone (0600) from before its first
/// byte, and replaced whole (a temporary file renamed over it). DataDir is hidden from the sandboxes of PRs' code.
/// </summary>
public static class AppCredentialStore
{
    public const string JsonFileName = "github-app.json";
    public const string PemFileName = "github-app.pem";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string JsonPath(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), JsonFileName);

    public static string PemPath(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), PemFileName);

    /// <summary>The stored App, or null when there is none (or only half of one).</summary>
    /// <exception cref="Hosting.SettingException">The file is there but cannot be read or is not the App's JSON (the message names it).</exception>
    public static StoredApp? Read(string dataDir)
    {
        var json = JsonPath(dataDir);
        if (!File.Exists(json) || !File.Exists(PemPath(dataDir)))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredApp>(File.ReadAllBytes(json), Json)
                ?? throw new Hosting.SettingException($"DataDir: {json} is empty: remove it (and its .pem), then open /setup again.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new Hosting.SettingException($"DataDir: the App stored in {json} cannot be read ({ex.GetType().Name}): fix or remove it (and its .pem), then open /setup again.", ex);
        }
    }

    /// <summary>Stores the App and its key, replacing any stored before (key first: the JSON names a complete App).</summary>
    public static void Write(string dataDir, StoredApp app, string pem)
    {
        ArgumentNullException.ThrowIfNull(app);
        var directory = Path.GetFullPath(dataDir);
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        WritePrivately(PemPath(dataDir), System.Text.Encoding.UTF8.GetBytes(pem));
        WritePrivately(JsonPath(dataDir), JsonSerializer.SerializeToUtf8Bytes(app, Json));
    }

    /// <summary>The settings the stored App gives ("GitHub:AppId", "GitHub:PrivateKeyPath", "GitHub:WebhookSecret"), none without one.</summary>
    public static Dictionary<string, string?> Settings(string dataDir)
    {
        var app = Read(dataDir);
        return app is null
            ? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["GitHub:AppId"] = app.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GitHub:PrivateKeyPath"] = PemPath(dataDir),
                ["GitHub:WebhookSecret"] = app.WebhookSecret,
            };
    }

    private static void WritePrivately(string path, byte[] bytes)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var file = new FileStream(temporary, options))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}

/// <summary>
/// The stored App as configuration, beneath every other source (explicit GitHub:* settings win), read at start and
/// again by <see cref="Reload"/> after <c>/setup</c> stored a new one, so options monitors see the App at once.
/// </summary>
public sealed class StoredAppConfigurationSource(string dataDir) : IConfigurationSource
{
    private Provider? built;

    public string DataDir { get; } = dataDir;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => built = new Provider(DataDir);

    /// <summary>Reads the stored App again and tells the configuration's listeners.</summary>
    public void Reload() => built?.Reload();

    /// <summary>Adds the store of <c>DataDir</c> (as configured so far) beneath every other source, once.</summary>
    public static StoredAppConfigurationSource AddTo(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.Sources.OfType<StoredAppConfigurationSource>().FirstOrDefault() is { } added)
        {
            return added;
        }

        var dataDir = configuration is IConfiguration read && read["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot";
        var source = new StoredAppConfigurationSource(dataDir);
        configuration.Sources.Insert(0, source);
        return source;
    }

    private sealed class Provider(string dataDir) : ConfigurationProvider
    {
        public override void Load() => Data = AppCredentialStore.Settings(dataDir);

        public void Reload()
        {
            Load();
            OnReload();
        }
    }
}

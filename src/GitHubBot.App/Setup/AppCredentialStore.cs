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
    [property: JsonPropertyName("client_secret")] string? ClientSecret,
    [property: JsonPropertyName("owner")] string? Owner = null,
    [property: JsonPropertyName("pem_sha256")] string? PemSha256 = null)
{
    /// <summary>Where the App is installed on accounts and repositories.</summary>
    public Uri InstallUrl => new($"{HtmlUrl.ToString().TrimEnd('/')}/installations/new");

    /// <summary>The account the App belongs to, as said on pages and in the log.</summary>
    public string OwnerOrUnknown => Owner ?? "(owner unknown)";

    /// <summary>The secrets are never printed: a log or an exception message that shows this record shows no credential.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"Id = {Id}, Slug = {Slug}, Name = {Name}, HtmlUrl = {HtmlUrl}, Owner = {Owner}, ");
        builder.Append("WebhookSecret = (redacted), ClientId = ").Append(ClientId).Append(", ClientSecret = (redacted)");
        return true;
    }
}

/// <summary>
/// The App created by <c>/setup</c>, kept in DataDir: <c>github-app.json</c> (ID, slug, URLs, webhook and client
/// secrets) and <c>github-app.pem</c> (the private key), each readable by this user alone (0600) from before its first
/// byte, and replaced whole (a temporary file renamed over it). DataDir is hidden from the sandboxes of PRs' code.
/// A replacement first keeps the pair it replaces as <c>.bak</c> files (0600 too). The JSON carries the SHA-256 of
/// the key, and is renamed into place last: it is the commit point, so a crash between the two renames leaves a new
/// key beside the old JSON, which <see cref="Read"/> refuses (fail closed) instead of pairing one App's ID with
/// another's key. Half an App (one file without the other) is refused too, never taken for "no App" (which would
/// reopen <c>/setup</c>).
/// </summary>
public static class AppCredentialStore
{
    public const string JsonFileName = "github-app.json";
    public const string PemFileName = "github-app.pem";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string JsonPath(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), JsonFileName);

    public static string PemPath(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), PemFileName);

    public const string BackupSuffix = ".bak";

    /// <summary>The stored App, or null when there is none.</summary>
    /// <exception cref="Hosting.SettingException">
    /// Half an App is stored, a file cannot be read or is not the App's, or the key is not the one the JSON names
    /// (one line naming the files).
    /// </exception>
    public static StoredApp? Read(string dataDir)
    {
        var json = JsonPath(dataDir);
        var pem = PemPath(dataDir);
        var (hasJson, hasPem) = (File.Exists(json), File.Exists(pem));
        if (!hasJson && !hasPem)
        {
            return null;
        }

        if (hasJson != hasPem)
        {
            var (there, missing) = hasJson ? (json, pem) : (pem, json);
            throw new Hosting.SettingException($"DataDir: half a GitHub App is stored: {there} is there but {missing} is not. Restore both from their {BackupSuffix} files, or remove {there} and open /setup again.");
        }

        try
        {
            var app = JsonSerializer.Deserialize<StoredApp>(File.ReadAllBytes(json), Json)
                ?? throw new Hosting.SettingException($"DataDir: {json} is empty: remove it (and its .pem), then open /setup again.");
            if (app.PemSha256 is { } expected && !string.Equals(expected, Fingerprint(File.ReadAllBytes(pem)), StringComparison.Ordinal))
            {
                throw new Hosting.SettingException($"DataDir: {pem} is not the key of the App in {json} (a replacement was interrupted): restore both from their {BackupSuffix} files, or remove both and open /setup again.");
            }

            return app;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new Hosting.SettingException($"DataDir: the App stored in {json} cannot be read ({ex.GetType().Name}): fix or remove it (and its .pem), then open /setup again.", ex);
        }
    }

    /// <summary>
    /// Stores the App and its key, replacing any stored before: the pair replaced is kept as <c>.bak</c> files, both
    /// new files are written in full first, then the key is renamed into place and the JSON (which names the key's
    /// fingerprint) last.
    /// </summary>
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

        var (jsonPath, pemPath) = (JsonPath(dataDir), PemPath(dataDir));
        if (File.Exists(jsonPath) && File.Exists(pemPath))
        {
            Commit(Stage(pemPath + BackupSuffix, File.ReadAllBytes(pemPath)), pemPath + BackupSuffix);
            Commit(Stage(jsonPath + BackupSuffix, File.ReadAllBytes(jsonPath)), jsonPath + BackupSuffix);
        }

        var key = System.Text.Encoding.UTF8.GetBytes(pem);
        var pemTemporary = Stage(pemPath, key);
        string jsonTemporary;
        try
        {
            jsonTemporary = Stage(jsonPath, JsonSerializer.SerializeToUtf8Bytes(app with { PemSha256 = Fingerprint(key) }, Json));
        }
        catch
        {
            File.Delete(pemTemporary);
            throw;
        }

        Commit(pemTemporary, pemPath);
        Commit(jsonTemporary, jsonPath);
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

    private static string Fingerprint(byte[] key) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(key));

    /// <summary>Writes a temporary file beside <paramref name="path"/>, this user's alone from before its first byte, flushed to disk.</summary>
    private static string Stage(string path, byte[] bytes)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var file = new FileStream(temporary, options);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            file.Write(bytes);
            file.Flush(flushToDisk: true);
            return temporary;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void Commit(string temporary, string path)
    {
        try
        {
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

namespace GitHubBot.App.Hosting;

/// <summary>Where Temporal is and how to reach it (configuration section "Temporal").</summary>
public sealed class TemporalSettings
{
    public const string SectionName = "Temporal";

    /// <summary>Frontend host:port of a Temporal cluster. Empty: <c>ghbot serve</c> starts an embedded dev server.</summary>
    public string? Address { get; set; }

    public string Namespace { get; set; } = "default";

    public string TaskQueue { get; set; } = "ghbot";

    /// <summary>
    /// Whether top-level starts carry GhbotRepository, GhbotNumber and GhbotKind (<c>ghbot list --repo</c> filters by
    /// them). Off for a cluster where they are not registered; on and unregistered, starts go on without them and warn.
    /// </summary>
    public bool SearchAttributes { get; set; } = true;

    /// <summary>Temporal Cloud API key (sent as a bearer token); turns TLS on.</summary>
    public string? ApiKey { get; set; }

    public TemporalTlsSettings Tls { get; set; } = new();

    /// <summary>One AES-256 key (base64) that encrypts every payload in Temporal's history; empty: none.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Keys for rotation, <c>id=base64;id=base64</c>, oldest first: the last encrypts, any decrypts. Wins over <see cref="EncryptionKey"/>.</summary>
    public string? EncryptionKeys { get; set; }

    /// <summary>The bearer token of the codec endpoint (/codec/encode, /codec/decode) the Temporal UI can use; empty: no endpoint.</summary>
    public string? CodecToken { get; set; }

    /// <summary>The origin of a Temporal UI allowed to call the codec endpoint from a browser (CORS), e.g. http://localhost:8233.</summary>
    public string? CodecCorsOrigin { get; set; }

    /// <summary>
    /// A setting that cannot be used (an encryption key, a TLS certificate file), as one line naming it; null when all
    /// can. serve, worker and the operator commands print it and exit with code 2.
    /// </summary>
    public static string? Problem(TemporalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            _ = EncryptionCodec.FromSettings(settings.EncryptionKeys, settings.EncryptionKey);
            _ = TemporalClientSetup.Tls(settings);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Base URL of the Temporal Web UI, for links on check runs. The embedded server fills it in.</summary>
    public Uri? UiUrl { get; set; }

    /// <summary>Frontend port of the embedded dev server; 0 picks a free port.</summary>
    public int EmbeddedPort { get; set; } = 7233;

    /// <summary>Whether the embedded dev server serves the Web UI.</summary>
    public bool EmbeddedUi { get; set; } = true;

    public int EmbeddedUiPort { get; set; } = 8233;

    /// <summary>
    /// With an encryption key, whether the embedded Web UI decodes payloads through this bot
    /// (<see cref="EmbeddedUiCodec"/>); off: the UI shows ciphertext.
    /// </summary>
    public bool EmbeddedUiCodec { get; set; } = true;

    /// <summary>
    /// The bot's base URL as the browser showing the embedded Web UI reaches it, for the UI's codec endpoint; empty:
    /// the first URL <c>serve</c> listens on (--urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS; a wildcard host as localhost).
    /// </summary>
    public Uri? EmbeddedUiCodecBaseUrl { get; set; }

    /// <summary>
    /// SQLite durability of the embedded server: "wal" (journal_mode=wal, synchronous=normal; survives a process
    /// crash, a power cut may lose the last transactions; about twice the start rate) or "full" (SQLite defaults).
    /// </summary>
    public string EmbeddedDurability { get; set; } = "wal";
}

/// <summary>TLS, mTLS or custom-CA settings for a Temporal cluster (configuration section "Temporal:Tls").</summary>
public sealed class TemporalTlsSettings
{
    /// <summary>TLS with the system's trust store; also on whenever any other TLS setting or an API key is given.</summary>
    public bool Enabled { get; set; }

    /// <summary>A PEM file of the CA that signed the server's certificate (a self-hosted cluster's own CA).</summary>
    public string? ServerRootCaCertPath { get; set; }

    /// <summary>mTLS: the client certificate (PEM file); goes with <see cref="ClientKeyPath"/>.</summary>
    public string? ClientCertPath { get; set; }

    /// <summary>mTLS: the client certificate's private key (PEM file).</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>The server name to verify (and send as SNI) instead of the address's host.</summary>
    public string? Domain { get; set; }
}

/// <summary>How many workers a process runs (configuration section "Worker").</summary>
public sealed class WorkerSettings
{
    public const string SectionName = "Worker";

    /// <summary>Whether <c>ghbot serve</c> runs workers beside the web intake.</summary>
    public bool Enabled { get; set; } = true;

    public int Count { get; set; } = 1;

    /// <summary>
    /// <c>ghbot worker</c> only (serve has <c>/metrics</c>): the port of a metrics listener (<c>GET /metrics</c>, all
    /// interfaces) for the worker's Temporal, workflow, GitHub and agent metrics; 0, the default, runs none.
    /// </summary>
    public int MetricsPort { get; set; }

    /// <summary>
    /// On SIGTERM, how long running activities (checks, agents, GitHub calls) get to finish after the workers stop
    /// polling; past it their cancellation token fires and Temporal retries them on another worker. The host waits
    /// this long plus a margin before it exits.
    /// </summary>
    public TimeSpan GracefulShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

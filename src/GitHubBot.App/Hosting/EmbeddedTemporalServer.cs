using System.Globalization;
using GitHubBot.Workflows.Hosting;
using GitHubBot.Workflows.Temporal;
using Temporalio.Testing;

namespace GitHubBot.App.Hosting;

/// <summary>
/// A Temporal dev server run by GitHubBot itself when no cluster is configured. Its SQLite database lives in
/// DataDir, so workflows survive a restart. The Temporal CLI comes from TEMPORAL_CLI_PATH, else a `temporal` on
/// PATH, else the SDK downloads it. The server is supervised (<c>EmbeddedTemporalServer.Supervision.cs</c>): when
/// its process is gone, it is started again on the same address and database.
/// </summary>
public sealed partial class EmbeddedTemporalServer : IAsyncDisposable
{
    private readonly WorkflowEnvironmentStartLocalOptions options;
    private readonly string database;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private WorkflowEnvironment environment;
    private Task supervision = Task.CompletedTask;

    private EmbeddedTemporalServer(WorkflowEnvironment environment, WorkflowEnvironmentStartLocalOptions options, string database, string address, Uri? uiUrl, ILogger logger)
    {
        this.environment = environment;
        this.options = options;
        this.database = database;
        Address = address;
        UiUrl = uiUrl;
        this.logger = logger;
    }

    /// <summary>The frontend's host:port.</summary>
    public string Address { get; }

    /// <summary>The Web UI, when it runs.</summary>
    public Uri? UiUrl { get; }

    /// <param name="settings">The Temporal settings.</param>
    /// <param name="dataDir">Where the database goes.</param>
    /// <param name="logger">Says where it runs.</param>
    /// <param name="uiCodec">The codec route the Web UI decodes payloads through, if any.</param>
    /// <param name="cancellationToken">Gives up before the start.</param>
    public static async Task<EmbeddedTemporalServer> StartAsync(TemporalSettings settings, string dataDir, ILogger logger, UiCodecRoute? uiCodec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.EmbeddedUi && settings.EmbeddedUiPort is <= 0 or > 65535)
        {
            throw new SettingException("Temporal:EmbeddedUiPort must be a port number (1-65535) when Temporal:EmbeddedUi is on.");
        }

        Directory.CreateDirectory(dataDir);
        var database = Path.GetFullPath(Path.Combine(dataDir, "temporal.db"));
        string? cli;
        try
        {
            cli = FindCli();
        }
        catch (InvalidOperationException ex)
        {
            throw new SettingException($"{ex.Message} Point it at the Temporal CLI binary, or unset it.", ex);
        }

        var extraArgs = ExtraArgs(settings, uiCodec?.Endpoint);

        Log.Starting(logger, cli ?? "(SDK download)", database, settings.EmbeddedDurability);
        if (uiCodec is not null)
        {
            Log.UiCodec(logger, uiCodec.Redacted);
        }

        cancellationToken.ThrowIfCancellationRequested();
        WorkflowEnvironment environment;
        WorkflowEnvironmentStartLocalOptions options;
        try
        {
            options = new()
            {
                TargetHost = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{settings.EmbeddedPort}"),
                Namespace = settings.Namespace,
                UI = settings.EmbeddedUi,
                UIPort = settings.EmbeddedUiPort,

                // Registered at every start (the dev server keeps them in its database; registering again is harmless).
                SearchAttributes = GhbotSearchAttributes.All,
                DevServerOptions = new()
                {
                    ExistingPath = cli,
                    DatabaseFilename = database,
                    ExtraArgs = extraArgs,
                    LogLevel = "error",
                    StartupTimeout = TimeSpan.FromSeconds(30),
                },
            };
            environment = await WorkflowEnvironment.StartLocalAsync(options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            throw new SettingException(StartProblem(cli, settings.EmbeddedPort, ex.Message), ex);
        }

        var address = environment.Client.Connection.Options.TargetHost ?? throw new InvalidOperationException("The dev server did not report its address.");
        var ui = settings.EmbeddedUi ? new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{settings.EmbeddedUiPort}/")) : null;
        var uiText = ui is null ? "(off)" : ui.ToString();
        Log.Started(logger, address, uiText);

        // A restart takes the same address (the port the first start was given, when Temporal:EmbeddedPort is 0), so
        // the web intake's client and the workers find it again.
        options.TargetHost = address;
        var server = new EmbeddedTemporalServer(environment, options, database, address, ui, logger);
        server.Supervise();
        return server;
    }

    /// <summary>
    /// The dev server's arguments beyond address, namespace, UI port and database: SQLite's durability
    /// (Temporal:EmbeddedDurability) and, with the UI on, the codec endpoint the UI decodes payloads through.
    /// </summary>
    public static string[] ExtraArgs(TemporalSettings settings, Uri? uiCodecEndpoint)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string[] durability = settings.EmbeddedDurability switch
        {
            "wal" => ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"],
            "full" => [],
            var other => throw new InvalidOperationException($"Temporal:EmbeddedDurability must be 'wal' or 'full', not '{other}'."),
        };
        return settings.EmbeddedUi && uiCodecEndpoint is not null
            ? [.. durability, "--ui-codec-endpoint", uiCodecEndpoint.ToString()]
            : durability;
    }

    /// <summary>
    /// Why the embedded server did not start, in one line that names what to set: the CLI when the SDK could not
    /// download one, else the port (taken by another process, most often) or a cluster instead.
    /// </summary>
    public static string StartProblem(string? cli, int port, string reason) =>
        (cli is null
            ? $"The embedded Temporal server needs the Temporal CLI: TEMPORAL_CLI_PATH is not set, there is no `temporal` on PATH, and the SDK could not download it ({reason}). Set TEMPORAL_CLI_PATH to the CLI binary, or Temporal:Address to a running Temporal server."
            : string.Create(CultureInfo.InvariantCulture, $"The embedded Temporal server ({cli}) did not start on 127.0.0.1:{port} ({reason}). Is another one running there? Set Temporal:EmbeddedPort to a free port, or Temporal:Address to a running Temporal server."))
        .ReplaceLineEndings(" ");

    /// <summary>TEMPORAL_CLI_PATH, else `temporal` on PATH, else null (the SDK downloads the CLI).</summary>
    public static string? FindCli() => TemporalCli.Find();

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await supervision;
        stopping.Dispose();
        await environment.ShutdownAsync();
        await environment.DisposeAsync();
        Log.Stopped(logger, Address);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Starting embedded Temporal dev server ({Cli}) with database {Database} (durability {Durability})")]
        public static partial void Starting(ILogger logger, string cli, string database, string durability);

        [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Embedded Temporal dev server ready: frontend {Address}, Web UI {UiUrl}")]
        public static partial void Started(ILogger logger, string address, string uiUrl);

        [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "The embedded Web UI decodes encrypted payloads through {Endpoint}")]
        public static partial void UiCodec(ILogger logger, string endpoint);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Embedded Temporal dev server at {Address} stopped")]
        public static partial void Stopped(ILogger logger, string address);
    }
}

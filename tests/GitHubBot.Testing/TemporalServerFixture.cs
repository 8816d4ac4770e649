using GitHubBot.Workflows.Hosting;
using Temporalio.Client;
using Temporalio.Testing;
using Xunit;

namespace GitHubBot.Testing;

/// <summary>
/// One real Temporal dev server for a test collection, its CLI found as <c>ghbot serve</c> finds it (TEMPORAL_CLI_PATH
/// — ../shared/tools/temporal on machines without internet —, else PATH, else the SDK's download). When none can be
/// had the tests fail with a message naming the variable.
/// Tests use fresh task queues and workflow IDs, so they share the server safely.
/// </summary>
public sealed class TemporalServerFixture : IAsyncLifetime
{
    private WorkflowEnvironment? environment;

    public ITemporalClient Client => Environment.Client;

    /// <summary>The frontend's host:port.</summary>
    public string Address => Client.Connection.Options.TargetHost!;

    public WorkflowEnvironment Environment => environment ?? throw new InvalidOperationException("The Temporal dev server has not started.");

    private static readonly Lazy<string> Cli = new(() => CliPath(TemporalCli.Find, () => Task.Run(DownloadAsync).GetAwaiter().GetResult()));

    /// <summary>
    /// The Temporal CLI in the order <c>ghbot serve</c> looks for it: TEMPORAL_CLI_PATH, else a <c>temporal</c> on
    /// PATH, else the one the SDK downloads (once, into a folder of the tests' own). A failure names the variable.
    /// </summary>
    public static string CliPath() => Cli.Value;

    /// <summary><see cref="CliPath()"/> with its two sources given: the configured CLI, else a download.</summary>
    public static string CliPath(Func<string?> configured, Func<string> download)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(download);
        string? found;
        try
        {
            found = configured();
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"{ex.Message} {Advice}", ex);
        }

        if (found is not null)
        {
            return found;
        }

        try
        {
            return download();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"No Temporal CLI for the tests' dev server: TEMPORAL_CLI_PATH is not set, there is no `temporal` on PATH, and the SDK could not download it ({ex.Message}). {Advice}",
                ex);
        }
    }

    private const string Advice = "Set TEMPORAL_CLI_PATH to the Temporal CLI binary; on a machine without internet: export TEMPORAL_CLI_PATH=\"$(../shared/tools/temporal/path)\"";

    /// <summary>Lets the SDK download the CLI into the tests' folder (a start and stop of its dev server) and returns the binary.</summary>
    private static async Task<string> DownloadAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "ghbot-tests-temporal-cli");
        if (Downloaded(folder) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(folder);
        await using (var server = await WorkflowEnvironment.StartLocalAsync(new() { DownloadDirectory = folder, DevServerOptions = new() { LogLevel = "error" } }))
        {
            await server.ShutdownAsync();
        }

        return Downloaded(folder) ?? throw new InvalidOperationException($"the SDK started a dev server but left no binary in {folder}");
    }

    private static string? Downloaded(string folder) =>
        Directory.Exists(folder)
            ? new DirectoryInfo(folder).GetFiles()
                .Where(file => !OperatingSystem.IsWindows() ? (file.UnixFileMode & UnixFileMode.UserExecute) != 0 : file.Extension == ".exe")
                .OrderByDescending(file => file.LastWriteTimeUtc)
                .Select(file => file.FullName)
                .FirstOrDefault()
            : null;

    public static string NewTaskQueue() => $"test-{Guid.NewGuid():N}";

    public async Task InitializeAsync()
    {
        environment = await StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = CliPath(), LogLevel = "error" },
            SearchAttributes = GitHubBot.Workflows.Temporal.GhbotSearchAttributes.All, // ghbot list --repo filters by them
        });
    }

    /// <summary>
    /// A dev server. The SDK gives it five seconds to answer; while the other test projects build and start theirs on
    /// a two-core machine that is sometimes too short, so a start that timed out is tried again (three times in all).
    /// </summary>
    public static async Task<WorkflowEnvironment> StartLocalAsync(WorkflowEnvironmentStartLocalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WorkflowEnvironment.StartLocalAsync(options);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("did not start within", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (environment is not null)
        {
            await environment.ShutdownAsync();
        }
    }
}

using Temporalio.Client;
using Temporalio.Testing;
using Xunit;

namespace GitHubBot.Testing;

/// <summary>
/// One real Temporal dev server for a test collection, from TEMPORAL_CLI_PATH (the CLI in ../shared/tools/temporal
/// on machines without internet). A missing binary fails the tests with a message naming the variable.
/// Tests use fresh task queues and workflow IDs, so they share the server safely.
/// </summary>
public sealed class TemporalServerFixture : IAsyncLifetime
{
    private WorkflowEnvironment? environment;

    public ITemporalClient Client => Environment.Client;

    /// <summary>The frontend's host:port.</summary>
    public string Address => Client.Connection.Options.TargetHost!;

    public WorkflowEnvironment Environment => environment ?? throw new InvalidOperationException("The Temporal dev server has not started.");

    /// <summary>Path of the Temporal CLI from TEMPORAL_CLI_PATH, or a clear failure.</summary>
    public static string CliPath() => CliPath(System.Environment.GetEnvironmentVariable("TEMPORAL_CLI_PATH"));

    /// <summary>Checks a TEMPORAL_CLI_PATH value: an existing file, or a failure that names the variable.</summary>
    public static string CliPath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                "TEMPORAL_CLI_PATH must name the Temporal CLI binary for the tests' dev server " +
                $"(currently '{path}'). Run: export TEMPORAL_CLI_PATH=\"$(../shared/tools/temporal/path)\"");
        }

        return path;
    }

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

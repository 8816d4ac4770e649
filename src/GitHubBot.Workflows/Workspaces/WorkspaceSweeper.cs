using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// Removes gate workspaces nobody removed: a gate whose steps ran on several workers removes its checkout on one of
/// them only, and a worker killed mid-check leaves its checkout behind. Plans' snapshot repositories nobody used for
/// as long go too. Runs at start and then hourly; a workspace
/// untouched for <see cref="MaxAge"/> is gone (no gate step runs that long without writing to it).
/// </summary>
public sealed partial class WorkspaceSweeper(WorkspaceOptions options, TimeProvider time, ILogger<WorkspaceSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(12);

    /// <summary>
    /// Removes the workspaces older than <see cref="MaxAge"/> (as their own users, after killing those users'
    /// processes, when they have one) and gives back user IDs whose workspace is gone; returns how many workspaces.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(options.Root))
        {
            return 0;
        }

        var users = options.Users();
        var removed = 0;
        var cutoff = time.GetUtcNow().UtcDateTime - MaxAge;
        foreach (var directory in new DirectoryInfo(options.Root).EnumerateDirectories())
        {
            if (directory.LastWriteTimeUtc >= cutoff || directory.LinkTarget is not null || directory.Name == ".worker")
            {
                continue;
            }

            try
            {
                if (users is not null && options.RunAsFor(directory.Name) is { SwitchesUser: true } user)
                {
                    await CheckUsers.KillAllAsync(user, cancellationToken);
                    await CheckUsers.RemoveAsync(directory.FullName, user, cancellationToken);
                    users.Release(directory.Name);
                }
                else
                {
                    directory.Delete(recursive: true);
                }

                File.Delete(Path.Combine(options.WorkerDirectory, $"{directory.Name}.ready"));
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogNotRemoved(logger, directory.FullName, ex.Message);
            }
        }

        // The plans' snapshot repositories: a cache of fetched commits, gone when no plan used it for as long.
        var snapshots = RepoSnapshots.DirectoryOf(options);
        if (Directory.Exists(snapshots))
        {
            foreach (var repository in new DirectoryInfo(snapshots).EnumerateDirectories())
            {
                if (repository.LastWriteTimeUtc < cutoff && repository.LinkTarget is null)
                {
                    try
                    {
                        repository.Delete(recursive: true);
                        removed++;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        LogNotRemoved(logger, repository.FullName, ex.Message);
                    }
                }
            }
        }

        foreach (var (key, user) in users?.Held() ?? [])
        {
            if (!Directory.Exists(Path.Combine(options.Root, key)))
            {
                await CheckUsers.KillAllAsync(user, cancellationToken);
                users!.Release(key);
            }
        }

        if (removed > 0)
        {
            LogSwept(logger, removed, options.Root);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Sandbox is null)
        {
            LogUnsandboxed(logger);
        }

        if (options.CheckUids is { } uids)
        {
            LogIsolated(logger, uids.First, uids.Last);
        }
        else if (options.Sandbox is null)
        {
            LogNotIsolated(logger);
        }

        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            await SweepAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull requests' code runs as user IDs {First}–{Last}, one per gate")]
    private static partial void LogIsolated(ILogger logger, int first, int last);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Gate:Sandbox=off: pull requests' and agents' code runs unconfined on this worker — it sees the worker's processes, its loopback (the Temporal frontend) and every file its user may read. Remove Gate:Sandbox=off once bubblewrap and slirp4netns work here")]
    private static partial void LogUnsandboxed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull requests' code runs as the worker's own user and can read what the worker can (its environment, the App's private key file): set Gate:CheckUids and run the worker as root to give it users of its own")]
    private static partial void LogNotIsolated(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} abandoned gate workspaces and idle snapshot repositories under {Root}")]
    private static partial void LogSwept(ILogger logger, int count, string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove abandoned workspace {Directory}: {Reason}")]
    private static partial void LogNotRemoved(ILogger logger, string directory, string reason);
}

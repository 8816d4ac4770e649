namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// Starts the sandboxes' processes from one thread that lives as long as the worker. bubblewrap's
/// <c>--die-with-parent</c> (PR_SET_PDEATHSIG) fires when the <em>thread</em> that started it ends, and a thread-pool
/// thread retires when idle: a check started from one would be killed mid-run. From this thread, a sandbox dies only
/// with the worker.
/// </summary>
public static class SandboxSpawner
{
    private static readonly System.Collections.Concurrent.BlockingCollection<Action> Work = [];

    static SandboxSpawner()
    {
        new Thread(() =>
        {
            foreach (var start in Work.GetConsumingEnumerable())
            {
                start();
            }
        })
        { IsBackground = true, Name = "ghbot-sandbox-spawner" }.Start();
    }

    /// <summary>Runs <paramref name="start"/> (which starts a process and returns at once) on the spawning thread.</summary>
    public static T Start<T>(Func<T> start)
    {
        using var done = new ManualResetEventSlim();
        T? result = default;
        Exception? failure = null;
        Work.Add(() =>
        {
            try
            {
                result = start();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait();
        return failure is null ? result! : throw new InvalidOperationException("A sandbox could not be started.", failure);
    }
}

using Temporalio.Activities;

namespace GitHubBot.Workflows.Temporal;

/// <summary>Long activities heartbeat while they work, so a lost worker is noticed and cancellation reaches them.</summary>
public static class Heartbeats
{
    /// <summary>How often long steps tell Temporal they are alive (their heartbeat timeout is several times this).</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="work"/> while heartbeating; the activity's cancellation (delivered by heartbeats) cancels it.</summary>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work)
    {
        var context = ActivityExecutionContext.Current;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var beats = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Every);
            while (await timer.WaitForNextTickAsync(done.Token).ConfigureAwait(false))
            {
                context.Heartbeat();
            }
        });
        context.Heartbeat();
        try
        {
            return await work(context.CancellationToken);
        }
        finally
        {
            await done.CancelAsync();
            try
            {
                await beats;
            }
            catch (OperationCanceledException)
            {
                // The heartbeat loop ends by cancellation.
            }
        }
    }

    public static async Task RunAsync(Func<CancellationToken, Task> work) =>
        await RunAsync(async token =>
        {
            await work(token);
            return true;
        });
}

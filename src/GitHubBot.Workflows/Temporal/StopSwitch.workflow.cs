using Temporalio.Workflows;

namespace GitHubBot.Workflows.Temporal;

/// <summary>
/// How people stop a run (runs inside workflows): the Cancel signal, with a reason, or a cancellation through
/// Temporal. Both cancel <see cref="Token"/>; a signal that came before the run began is honoured when it begins.
/// </summary>
internal sealed class StopSwitch
{
    private CancellationTokenSource? source;

    /// <summary>Why the run was asked to stop, when it was asked by the signal.</summary>
    public string? Reason { get; private set; }

    /// <summary>The run's token while it runs; none before it began or after it ended.</summary>
    public CancellationToken? Token => source?.Token;

    /// <summary>Whether <paramref name="ex"/> is the run being stopped (by the signal or through Temporal).</summary>
    public bool IsStop(Exception ex) =>
        Failures.IsCancellation(ex) && (Reason is not null || Workflow.CancellationToken.IsCancellationRequested);

    /// <summary>Runs <paramref name="run"/> with a token that the signal or Temporal's cancellation cancels.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> run)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        source = linked;
        if (Reason is not null)
        {
            // Synchronously: CancelAsync would hand the callbacks to the thread pool, outside the workflow's scheduler.
            linked.Cancel();
        }

        try
        {
            return await run(linked.Token);
        }
        finally
        {
            source = null;
        }
    }

    /// <summary>The signal's part: remembers the first reason and cancels the run's token.</summary>
    public void Stop(string? reason)
    {
        Reason ??= string.IsNullOrWhiteSpace(reason) ? "Cancelled." : reason;
        source?.Cancel();
    }
}

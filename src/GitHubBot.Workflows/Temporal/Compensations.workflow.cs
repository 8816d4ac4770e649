using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Temporal;

/// <summary>
/// What a run made, each with its undo, registered as it is made (runs inside workflows). Undone newest first, on a
/// token of its own (the run's is cancelled when it was stopped); an undo that fails is logged and said, never thrown.
/// </summary>
internal sealed class Compensations
{
    private readonly List<(string What, Func<CancellationToken, Task<string>> Undo)> undos = [];

    /// <summary>Registers the undo of <paramref name="what"/>; it returns what it did, in words ("closed #12").</summary>
    public void Add(string what, Func<CancellationToken, Task<string>> undo) => undos.Add((what, undo));

    /// <summary>Forgets every undo: what was made stands on its own now.</summary>
    public void Clear() => undos.Clear();

    /// <summary>Runs the undos, newest first, once; returns what they did and, for those that failed, why.</summary>
    public async Task<(List<string> Done, List<string> Failed)> RunAsync()
    {
        using var detached = new CancellationTokenSource();
        var done = new List<string>();
        var failed = new List<string>();
        for (var i = undos.Count - 1; i >= 0; i--)
        {
            var (what, undo) = undos[i];
            try
            {
                done.Add(await undo(detached.Token));
            }
            catch (Exception ex) when (ex is ActivityFailureException or ApplicationFailureException)
            {
                Workflow.Logger.LogWarning(ex, "Could not undo {What}", what);
                failed.Add($"Could not undo {what}: {Failures.Reason(ex)}");
            }
        }

        undos.Clear();
        return (done, failed);
    }
}

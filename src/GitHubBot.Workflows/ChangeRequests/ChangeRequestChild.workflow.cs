using GitHubBot.Core.ChangeRequests;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.ChangeRequests;

/// <summary>
/// A parent's side of a <see cref="ChangeRequestWorkflow"/> (runs inside workflows): starts it as a child, keeps the
/// newest status it reported, and while it runs shows each of its updates to people through the parent's own
/// progress comment. The parent passes the <see cref="ChangeRequestSignals.Progress"/> signal to <see cref="Receive"/>.
/// </summary>
internal sealed class ChangeRequestChild
{
    private ChangeProgress? pending;
    private string headline = string.Empty;

    /// <summary>The newest status the change reported (its last one once it ended); null before it started.</summary>
    public ChangeRequestStatus? Status { get; private set; }

    /// <summary>Takes an update of the change (from the parent's signal handler); a malformed or older one is ignored.</summary>
    public void Receive(ChangeProgress? progress)
    {
        if (progress?.Status is { Usage: not null, Steps: not null, Notes: not null, Undone: not null } status && (Status is null || status.Sequence >= Status.Sequence))
        {
            Status = status;
            pending = progress;
        }
    }

    /// <summary>
    /// Runs the change as the child <paramref name="id"/> and returns its result; its failure is rethrown after its
    /// last status is kept. When <paramref name="token"/> is cancelled the child is told why with its Cancel signal,
    /// and waited for while it undoes what it made.
    /// </summary>
    /// <param name="input">The change.</param>
    /// <param name="id">The child's workflow ID.</param>
    /// <param name="publish">Shows a headline with the current status (the parent's progress comment); best effort.</param>
    /// <param name="why">Why the parent was stopped, for the change's own account of it.</param>
    /// <param name="token">The parent's cancellation.</param>
    public async Task<ChangeRequestResult> RunAsync(ChangeRequestInput input, string id, Func<string, Task> publish, Func<string> why, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(publish);
        ArgumentNullException.ThrowIfNull(why);
        token.ThrowIfCancellationRequested();
        var handle = await Workflow.StartChildWorkflowAsync(
            (ChangeRequestWorkflow wf) => wf.RunAsync(input),
            new ChildWorkflowOptions
            {
                Id = id,

                // Ended with its parent (terminated, timed out); a stop of the parent reaches it as its Cancel signal.
                ParentClosePolicy = ParentClosePolicy.RequestCancel,
                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                CancellationToken = CancellationToken.None,
            });
        var result = handle.GetResultAsync();
        var told = false;
        while (true)
        {
            await Workflow.WaitConditionAsync(() => pending is not null || result.IsCompleted || token.IsCancellationRequested && !told);
            if (result.IsCompleted)
            {
                break;
            }

            if (token.IsCancellationRequested && !told)
            {
                told = true;
                await TellAsync(handle, why());
                continue;
            }

            var update = pending!;
            pending = null;
            headline = update.Headline is { Length: > 0 } news ? news : headline;
            if (!token.IsCancellationRequested && headline.Length > 0)
            {
                await PublishAsync(publish, headline);
            }
        }

        try
        {
            var done = await result;
            Status = done.Status;
            return done;
        }
        catch (ChildWorkflowFailureException ex) when (Failures.Cause(ex) is { Details.Count: > 0 } cause)
        {
            Status = cause.Details.ElementAt<ChangeRequestStatus>(0);
            throw;
        }
    }

    /// <summary>Shows the news; a comment that cannot be written now does not stop the change or its parent.</summary>
    private static async Task PublishAsync(Func<string, Task> publish, string headline)
    {
        try
        {
            await publish(headline);
        }
        catch (ActivityFailureException ex) when (!Failures.IsCancellation(ex))
        {
            Workflow.Logger.LogWarning(ex, "Could not show the change's progress");
        }
        catch (Exception ex) when (Failures.IsCancellation(ex))
        {
            // Stopped meanwhile: the change is told why next, and its result says what it undid.
        }
    }

    private static async Task TellAsync(ChildWorkflowHandle<ChangeRequestWorkflow, ChangeRequestResult> handle, string reason)
    {
        try
        {
            await handle.SignalAsync(wf => wf.CancelAsync(reason), new() { CancellationToken = CancellationToken.None });
        }
        catch (FailureException ex) when (!Failures.IsCancellation(ex))
        {
            // It ended meanwhile: its result says how.
            Workflow.Logger.LogWarning(ex, "Could not stop the change request");
        }
    }
}

using GitHubBot.Core.ChangeRequests;
using GitHubBot.Workflows.Temporal;
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

    /// <summary>The newest status the change reported (its last one once it ended); null before it started.</summary>
    public ChangeRequestStatus? Status { get; private set; }

    /// <summary>Takes an update of the change (from the parent's signal handler); an older one than what is known is ignored.</summary>
    public void Receive(ChangeProgress progress)
    {
        if (progress is not null && (Status is null || progress.Status.Sequence >= Status.Sequence))
        {
            Status = progress.Status;
            pending = progress;
        }
    }

    /// <summary>
    /// Runs the change as the child <paramref name="id"/> (cancelled with <paramref name="token"/>, and waited for
    /// while it undoes what it made) and returns its result; its failure is rethrown after its last status is kept.
    /// </summary>
    /// <param name="input">The change.</param>
    /// <param name="id">The child's workflow ID.</param>
    /// <param name="publish">Shows a headline with the current status (the parent's progress comment).</param>
    /// <param name="token">The parent's cancellation.</param>
    public async Task<ChangeRequestResult> RunAsync(ChangeRequestInput input, string id, Func<string, Task> publish, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(publish);
        var handle = await Workflow.StartChildWorkflowAsync(
            (ChangeRequestWorkflow wf) => wf.RunAsync(input),
            new ChildWorkflowOptions
            {
                Id = id,
                ParentClosePolicy = ParentClosePolicy.RequestCancel,
                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                CancellationType = ChildWorkflowCancellationType.WaitCancellationCompleted,
                CancellationToken = token,
            });
        var result = handle.GetResultAsync();
        while (true)
        {
            await Workflow.WaitConditionAsync(() => pending is not null || result.IsCompleted);
            if (result.IsCompleted)
            {
                break;
            }

            var update = pending!;
            pending = null;
            if (!token.IsCancellationRequested)
            {
                try
                {
                    await publish(update.Headline);
                }
                catch (Exception ex) when (Failures.IsCancellation(ex) && token.IsCancellationRequested)
                {
                    // Cancelled meanwhile: the change is undoing what it made; its result says what.
                }
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
}
